import Kernels
import Networks
import Profiling
import Tensors

/// One distinct layer shape of `lrd-bench kernels`: the convolution kernel against a plain sgemm of
/// the same M×N×K (three GEMMs in training: forward, backward-data, backward-weights), measured
/// interleaved in the same run.
public struct KernelRow: Codable, Sendable {
  /// Catalog layers with this shape.
  public var layers: [String]
  public var shape: String
  public var m: Int
  public var n: Int
  public var k: Int
  public var pointwise: Bool
  public var flopsPerCall: Int
  public var kernel: SampleStatistics
  public var gemm: SampleStatistics
  /// median(kernel) / median(gemm) with its bootstrap CI (> 1: the kernel is slower).
  public var comparison: PairedComparison
  /// Median time of the im2col copy alone (nil for pointwise layers or training mode).
  public var im2colSeconds: Double?
  /// Counters of the kernel's timed calls (per call, every thread), when events were requested.
  public var kernelCounters: [CounterReading]

  public var kernelGFLOPS: Double { Double(flopsPerCall) / kernel.median / 1e9 }
  public var gemmGFLOPS: Double { Double(flopsPerCall) / gemm.median / 1e9 }
  /// Kernel throughput as a fraction of sgemm throughput (1 / ratio).
  public var efficiency: Double { gemm.median / kernel.median }
}

/// The `kernels` result.
public struct KernelBenchmarkResult: Codable, Sendable {
  public static let schemaVersion = "lrd-bench/kernels@1"
  public var schema = KernelBenchmarkResult.schemaVersion
  public var model: ResNetModel
  public var batch: Int
  public var mode: Mode
  public var threads: ThreadConfig
  public var binding: BindingRecord
  public var rows: [KernelRow]
  public var fingerprint: MachineFingerprint
  public var interrupted: Bool

  /// Σ over every catalog layer of kernel time and of sgemm time (layers sharing a shape counted each).
  public var totals: (kernel: Double, gemm: Double, flops: Double) {
    rows.reduce((0, 0, 0)) { total, row in
      let count = Double(row.layers.count)
      return (
        total.0 + count * row.kernel.median, total.1 + count * row.gemm.median,
        total.2 + count * Double(row.flopsPerCall)
      )
    }
  }
}

public enum KernelBenchmark {
  /// Measures every distinct conv/linear shape of `model` (in catalog order).
  public static func run(
    model: ResNetModel, batch: Int, mode: Mode, threads: ThreadConfig, topology: Topology,
    sampler: SamplerConfiguration, events: [String] = [], filter: String? = nil, progress enabled: Bool
  ) throws -> KernelBenchmarkResult {
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let binding = try topology.apply(threads)
    let catalog = ModelCatalog(model)
    var groups: [(key: String, layers: [LayerSpec])] = []
    let selected = try filter.map { try catalog.layers(matching: $0) } ?? catalog.layers
    for layer in selected {
      if let index = groups.firstIndex(where: { $0.key == layer.shapeKey }) {
        groups[index].layers.append(layer)
      } else {
        groups.append((layer.shapeKey, [layer]))
      }
    }
    let progress = Progress(total: groups.count, enabled: enabled)
    var rows: [KernelRow] = []
    var interrupted = false
    for group in groups {
      if Interruption.isRequested {
        interrupted = true
        break
      }
      let start = Clock.now()
      let row = try measure(
        group.layers, batch: batch, mode: mode, sampler: sampler, events: events, topology: topology.summary)
      rows.append(row)
      progress.step(
        "\(group.layers[0].name) \(Format.fixed(row.kernelGFLOPS, 1)) vs \(Format.fixed(row.gemmGFLOPS, 1)) GFLOP/s",
        seconds: Clock.seconds(since: start))
    }
    progress.finish()
    return KernelBenchmarkResult(
      model: model, batch: batch, mode: mode, threads: threads, binding: binding, rows: rows,
      fingerprint: fingerprint,
      interrupted: interrupted || Interruption.isRequested)
  }

  static func measure(
    _ layers: [LayerSpec], batch: Int, mode: Mode, sampler: SamplerConfiguration, events: [String],
    topology: TopologySummary
  ) throws
    -> KernelRow
  {
    let g = layers[0].geometry(batch: batch)
    var rng = SplitMix64(seed: 11)
    let training = mode == .training
    let conv = try Conv2D(g, retainColumns: training, using: &rng)
    let x = Tensor(normal: g.inputShape, using: &rng)
    let y = Tensor(zeros: g.outputShape)
    let dy = Tensor(normal: g.outputShape, using: &rng)
    let dx = Tensor(zeros: g.inputShape)
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    // The reference multiplies the kernel's own weights into its own output (and, for 1×1 stride-1
    // layers, reads the kernel's own input), so both touch the same memory: on this class of machine
    // where physical placement alone moves a memory-bound GEMM by 20%, separate buffers would not
    // compare like with like. Layers that need im2col get a separate M×K operand.
    let gemm = GEMMWorkload(
      m: m, n: n, k: k, training: training,
      a: g.readsInputAsGEMMOperand && g.groups == 1 ? x : Tensor(uniform: [m, k], seed: 5),
      b: conv.weight, c: y, da: g.readsInputAsGEMMOperand && g.groups == 1 && training ? dx : nil,
      db: training ? conv.weightGradient : nil)
    let kernelBody = {
      conv.forward(x, into: y)
      if training {
        conv.backwardData(dy, into: dx)
        conv.backwardWeights(input: x, gradient: dy, reusingForwardColumns: true)
      }
    }
    let gemmBody = { gemm.run() }
    let flusher =
      sampler.cache == .cold
      ? CacheFlusher(
        lastLevelCacheBytes: topology.lastLevelCacheBytes, lineBytes: topology.caches.first?.lineBytes ?? 64)
      : nil
    let counters = events.isEmpty ? nil : CounterSet(events: events)
    let outcome = Sampler(configuration: sampler, counters: counters, flusher: flusher).measurePaired(
      baseline: gemmBody, candidate: kernelBody)
    var im2col: Double?
    if !g.readsInputAsGEMMOperand && !training {
      var quick = sampler
      quick.budgetSeconds = max(sampler.budgetSeconds / 4, 0.05)
      im2col =
        Sampler(configuration: quick, flusher: flusher).measure { conv.packColumns(x) }.statistics.median
    }
    let flops = training ? 3 * g.flops : g.flops
    let shape = layers[0].shapeDescription
    return KernelRow(
      layers: layers.map(\.name), shape: shape, m: m, n: n, k: k, pointwise: g.readsInputAsGEMMOperand,
      flopsPerCall: flops,
      kernel: outcome.candidate.statistics, gemm: outcome.baseline.statistics, comparison: outcome.comparison,
      im2colSeconds: im2col, kernelCounters: outcome.candidate.counters)
  }
}
