import ArgumentParser
import Harness
import Machine
import Networks
import ONNX
import Profiling
import Reports
import Tensors

struct KernelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernels",
    abstract: "Benchmark every distinct conv/linear shape of a model against the machine's peak.",
    discussion: """
      For each shape: the kernel's GFLOP/s (im2col + GEMM, or one GEMM for 1×1 stride-1 and linear layers; training adds backward-data and backward-weights) as a fraction of the machine's peak, a 2048³ sgemm on the same thread config measured before and after the kernels in the same run; where the kernel is not itself one sgemm call, also against a plain cblas_sgemm of the same M×N×K measured paired with it (its 95% CI), and the im2col copy's own time; whole-model totals.

      With --onnx FILE: the file's conv and linear shapes with groups 1 (grouped convolutions are left out).

      --backend all measures every shape on each kernel backend (OpenBLAS, BLIS, oneDNN) and prints, per shape, each backend's GFLOP/s and % of the machine's peak (the best 2048³ sgemm of the run) and the fastest backend.

      Defaults here: --budget 1 s per shape, --threads all cores, no events, --backend openblas.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, csv, json
  }

  @OptionGroup var model: ModelOption
  @OptionGroup var onnx: ONNXOptions
  @OptionGroup var workload: WorkloadOptions
  @OptionGroup var threads: ThreadOptions
  @OptionGroup var measurement: MeasurementOptions
  @OptionGroup var blasCore: BLASCoreOptions

  @Option(help: "Regular expression on layer names: measure only the shapes of matching layers.")
  var filter: String?

  @Option(
    help:
      "Kernel library: openblas (default), blis, onednn, or all (each shape on every backend, the fastest per shape)."
  )
  var backend: Choice<BackendSelection>?

  @Option(help: "Output format.")
  var format: Format = .text

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  func run() throws {
    try guarded {
      let topology = try Topology()
      let (batch, mode) = try workload.resolve()
      let config = try threads.single(cores: topology.summary.coreCount, command: "kernels")
      let sampler = try measurement.configuration(defaultBudget: 1)
      let events = try measurement.eventList(default: DefaultEvents.kernels)
      let imported = try onnx.open(model: model)
      let catalog = ModelCatalog(model.resolved)
      let layers =
        try imported?.layers(matching: filter).filter { $0.groups == 1 } ?? filter.map {
          try catalog.layers(matching: $0)
        }
        ?? catalog.layers
      guard !layers.isEmpty else { throw ValidationError("--filter '\(filter ?? "")' matches no layer") }
      let bytes =
        layers.map { MemoryEstimate.layerProgram($0, .original, batch: batch, mode: mode) }.max() ?? 0
      try MemoryEstimate.check(
        2 * bytes + MemoryEstimate.sgemm(size: PeakSGEMM.defaultSize), for: "the kernels at batch \(batch)",
        reduce: .batch)
      try blasCore.establish()
      let backends = backend?.value.backends ?? [BLAS.backend]
      for choice in backends { try BLAS.checkAvailable(choice) }
      Interruption.install()
      let bar = ProgressBar(quiet: quiet)
      var results: [KernelBenchmarkResult] = []
      for choice in backends {
        try BLAS.use(choice)
        let result = try KernelBenchmark.run(
          model: model.resolved, batch: batch, mode: mode, threads: config, topology: topology,
          sampler: sampler,
          events: events, filter: filter, onnx: imported?.file, progress: bar.sink)
        results.append(result)
        if result.interrupted { break }
      }
      bar.finish()
      if results.count > 1 {
        switch format {
        case .text: emit(KernelsReport.backendsText(results))
        case .csv: emit(KernelsReport.backendsCSV(results))
        case .json: emit(try KernelsReport.json(results))
        }
      } else if let result = results.first {
        switch format {
        case .text: emit(KernelsReport.text(result))
        case .csv: emit(KernelsReport.csv(result))
        case .json: emit(try KernelsReport.json(result))
        }
      }
      if results.contains(where: \.interrupted) { throw ExitCode(130) }
    }
  }
}
