import ArgumentParser
import Harness
import Profiling
import Reports

struct KernelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernels",
    abstract: "Benchmark every distinct conv/linear shape of a model against a plain sgemm of the same size.",
    discussion: """
      For each shape: the kernel's GFLOP/s (im2col + GEMM, or one GEMM for 1×1 stride-1 and linear
      layers) next to cblas_sgemm of the same M×N×K measured interleaved in the same run, their
      ratio with a 95% CI, and the im2col copy's own time. Training mode times forward +
      backward-data + backward-weights against the three corresponding GEMMs.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, csv, json
  }

  @OptionGroup var model: ModelOption

  @Option(help: "Batch size.")
  var batch: Int = 8

  @Option(help: "BLAS threads (default: all cores).")
  var threads: Int?

  @Option(help: "Thread binding: none, compact or scatter.")
  var bind: String = "compact"

  @Option(help: "inference or training.")
  var mode: String = "inference"

  @OptionGroup var measurement: MeasurementOptions

  @Option(help: "Regular expression on layer names: measure only the shapes of matching layers.")
  var filter: String?

  @Option(help: "Output format: text, csv or json.")
  var format: Format = .text

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  func run() throws {
    try guarded {
      let topology = try Topology()
      guard batch >= 1 else { throw HarnessError.invalidOption("--batch must be at least 1") }
      guard let resolvedMode = Mode(rawValue: mode) else {
        throw HarnessError.invalidOption("--mode '\(mode)': use inference or training")
      }
      guard let binding = BindingPolicy(rawValue: bind) else {
        throw HarnessError.invalidOption("--bind '\(bind)': use none, compact or scatter")
      }
      let cores = topology.summary.coreCount
      let count = threads ?? cores
      guard (1...cores).contains(count) else {
        throw ThreadConfigError.tooManyThreads(requested: count, cores: cores)
      }
      Interruption.install()
      let result = try KernelBenchmark.run(
        model: try model.resolve(), batch: batch, mode: resolvedMode,
        threads: ThreadConfig(threads: count, binding: binding),
        topology: topology, sampler: try measurement.configuration(defaultBudget: 1), filter: filter,
        progress: !quiet)
      switch format {
      case .text: emit(KernelsReport.text(result))
      case .csv: emit(KernelsReport.csv(result))
      case .json: emit(try KernelsReport.json(result))
      }
      if result.interrupted { throw ExitCode(130) }
    }
  }
}
