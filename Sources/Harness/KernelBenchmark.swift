import Kernels
import Machine
import Networks
import ONNX
import OrderedCollections
import Profiling
import Programs
import Statistics
import Support
import Tensors

/// One distinct layer shape of `lrd-bench kernels`.
package struct KernelRow: Codable, Sendable {
  /// Catalog layers with this shape.
  package var layers: [String]
  /// The shape in words, for example `64→64 3×3 s1 p1 @ 56×56`.
  package var shape: String
  /// GEMM rows M (output pixels × batch).
  package var m: Int
  /// GEMM columns N (output channels).
  package var n: Int
  /// GEMM inner dimension K (k² × input channels per group).
  package var k: Int
  /// 1×1, stride 1, unpadded: the forward kernel is exactly one sgemm on the layer's buffers.
  package var pointwise: Bool
  /// Analytic FLOPs of one call (batch included; training counts three GEMMs).
  package var flopsPerCall: Int
  /// Statistics of the kernel's samples (seconds per call).
  package var kernel: SampleStatistics
  /// A plain sgemm of the same M×N×K (three in training) measured paired with the kernel; nil where
  /// that sgemm would be the kernel's own call (pointwise inference), which compares nothing.
  package var sameShape: SameShapeGEMM?
  /// Median time of the im2col copy alone (nil for pointwise layers or training mode).
  package var im2colSeconds: Double?
  /// Counters of the kernel's timed calls (per call, every thread), when events were requested.
  package var kernelCounters: [CounterReading]
  /// Heap allocations per kernel call (nil without the allocation counter).
  package var allocationsPerCall: Double?
  /// How the kernel computes: "GEMM", "im2col + GEMM" or oneDNN's implementations (nil in older results).
  package var implementation: String?

  /// The kernel's GFLOP/s at its median time.
  package var kernelGFLOPS: Double { Double(flopsPerCall) / kernel.median / 1e9 }
}

/// The same-shape sgemm reference of a kernel.
package struct SameShapeGEMM: Codable, Sendable {
  /// Statistics of the sgemm's samples (seconds per call).
  package var gemm: SampleStatistics
  /// kernel / sgemm time with its CI (> 1: the kernel is slower).
  package var comparison: PairedComparison

  /// Kernel throughput as a fraction of same-shape sgemm throughput.
  package var efficiency: Double { 1 / comparison.ratio }
}

/// The `kernels` result.
package struct KernelBenchmarkResult: Codable, Sendable {
  /// The schema string of `kernels --format json`.
  package static let schemaVersion = "lrd-bench/kernels@2"
  /// The schema of this result.
  package var schema = KernelBenchmarkResult.schemaVersion
  /// The model whose shapes were measured.
  package var model: ResNetModel
  /// The ONNX file whose shapes were measured instead (nil for the catalog model's).
  package var onnx: ModelFile?
  package var batch: Int
  /// Inference (forward) or training (forward and both backward GEMMs).
  package var mode: Mode
  /// The thread config measured.
  package var threads: ThreadConfig
  /// The binding read back for it.
  package var binding: BindingRecord
  /// The machine's peak: a 2048³ sgemm on the same threads, before and after the kernels.
  package var peak: [SGEMMRate]
  /// One row per distinct shape, in catalog order.
  package var rows: [KernelRow]
  /// The machine the kernels ran on.
  package var fingerprint: MachineFingerprint
  /// True when the run was interrupted: partial results.
  package var interrupted: Bool

  /// Mean of the peak measurements in GFLOP/s.
  package var peakGFLOPS: Double {
    peak.isEmpty ? .nan : peak.map(\.gflops).reduce(0, +) / Double(peak.count)
  }

  /// Σ over every catalog layer (shapes weighted by how many layers have them) of kernel seconds and FLOPs.
  package var totals: (seconds: Double, flops: Double) {
    rows.reduce((0, 0)) { total, row in
      let count = Double(row.layers.count)
      return (total.0 + count * row.kernel.median, total.1 + count * Double(row.flopsPerCall))
    }
  }
}

/// Measures every distinct conv and linear shape of a model against the machine's peak.
package enum KernelBenchmark {
  /// Measures every distinct conv/linear shape of `model` (in catalog order) and the machine's peak.
  package static func run(
    model: ResNetModel, batch: Int, mode: Mode, threads: ThreadConfig, topology: Topology,
    sampler: SamplerConfiguration, events: [String] = [], filter: String? = nil, onnx: ModelFile? = nil,
    progress: @escaping EventSink
  ) throws -> KernelBenchmarkResult {
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let binding = try topology.apply(threads)
    let catalog = ModelCatalog(model)
    let selected =
      try onnx.map { try ImportedModel.cached($0).layers(matching: filter).filter { $0.groups == 1 } }
      ?? filter.map { try catalog.layers(matching: $0) } ?? catalog.layers
    // Layers of identical shape share one measurement, in catalog order.
    var byShape = OrderedDictionary<String, [LayerSpec]>()
    for layer in selected { byShape[layer.shapeKey, default: []].append(layer) }
    let groups = byShape.values
    progress(.phase(label: "", steps: groups.count + 2))
    var peak = [PeakSGEMM.measure(threads: threads.threads)]
    progress(.step(.init(name: "peak sgemm 2048³", detail: .none, seconds: peak[0].medianSeconds)))
    let flusher =
      sampler.cache == .cold
      ? CacheFlusher(topology: topology.summary, processingUnits: binding.plannedProcessingUnits)
      : nil
    var rows: [KernelRow] = []
    var interrupted = false
    for layers in groups {
      if Interruption.isRequested {
        interrupted = true
        break
      }
      let start = MonotonicClock.now()
      let row = try measure(
        layers, batch: batch, mode: mode, sampler: sampler, events: events, flusher: flusher)
      rows.append(row)
      progress(
        .step(
          .init(
            name: layers[0].name,
            detail: .throughput(measured: row.kernelGFLOPS, reference: peak[0].gflops),
            seconds: MonotonicClock.seconds(since: start))))
    }
    if !interrupted && !Interruption.isRequested {
      peak.append(PeakSGEMM.measure(threads: threads.threads))
      progress(.step(.init(name: "peak sgemm 2048³ again", detail: .none, seconds: peak[1].medianSeconds)))
    }
    var result = KernelBenchmarkResult(
      model: model, batch: batch, mode: mode, threads: threads, binding: binding, peak: peak, rows: rows,
      fingerprint: fingerprint.finished(), interrupted: interrupted || Interruption.isRequested)
    result.onnx = onnx
    return result
  }

  static func measure(
    _ layers: [LayerSpec], batch: Int, mode: Mode, sampler: SamplerConfiguration, events: [String],
    flusher: CacheFlusher?
  ) throws -> KernelRow {
    let g = layers[0].geometry(batch: batch)
    var rng = SplitMix64(seed: 11)
    let training = mode == .training
    let conv = try Conv2D(g, retainColumns: training, using: &rng)
    let x = Tensor(normal: g.inputShape, using: &rng)
    let y = Tensor(zeros: g.outputShape)
    let dy = Tensor(normal: g.outputShape, using: &rng)
    let dx = Tensor(zeros: g.inputShape)
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    let kernelBody = {
      conv.forward(x, into: y)
      if training {
        conv.backwardData(dy, into: dx)
        conv.backwardWeights(input: x, gradient: dy, reusingForwardColumns: true)
      }
    }
    let counters = events.isEmpty ? nil : CounterSet(events: events)
    let measuring = Sampler(configuration: sampler, counters: counters, flusher: flusher)
    let direct = g.readsInputAsGEMMOperand && g.groups == 1
    var kernel: PointMeasurement
    var sameShape: SameShapeGEMM?
    // On oneDNN the kernel is its own convolution primitive, never the same-shape sgemm itself.
    let kernelIsTheGEMM = direct && conv.backend != .onednn
    if kernelIsTheGEMM && !training {
      kernel = measuring.measure(kernelBody)
    } else {
      // The reference multiplies the kernel's own weights into its own output (and reads its input when
      // that is the GEMM operand), so both touch the same memory; im2col layers get a separate M×K operand.
      let gemm = GEMMWorkload(
        m: m, n: n, k: k, training: training, a: direct ? x : Tensor(uniform: [m, k], seed: 5),
        b: conv.weight,
        c: y, da: direct && training ? dx : nil, db: training ? conv.weightGradient : nil)
      let outcome = measuring.measurePaired(baseline: { gemm.run() }, candidate: kernelBody)
      kernel = outcome.candidate
      sameShape = SameShapeGEMM(gemm: outcome.baseline.statistics, comparison: outcome.comparison)
    }
    var im2col: Double?
    if !g.readsInputAsGEMMOperand && !training && conv.backend != .onednn {
      im2col =
        Sampler(configuration: sampler.withBudget(max(sampler.budgetSeconds / 4, 0.05)), flusher: flusher)
        .measure { conv.packColumns(x) }.statistics.median
    }
    return KernelRow(
      layers: layers.map(\.name), shape: layers[0].shapeDescription, m: m, n: n, k: k, pointwise: direct,
      flopsPerCall: training ? 3 * g.flops : g.flops, kernel: kernel.statistics, sameShape: sameShape,
      im2colSeconds: im2col, kernelCounters: kernel.counters,
      allocationsPerCall: kernel.usage.allocationsPerCall, implementation: conv.implementation)
  }
}
