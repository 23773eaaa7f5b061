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

  @OptionGroup var workload: WorkloadOptions

  @OptionGroup var threads: ThreadConfigOptions

  @OptionGroup var blasCore: BLASCoreOptions

  @OptionGroup var measurement: MeasurementOptions

  @Option(help: "Regular expression on layer names: measure only the shapes of matching layers.")
  var filter: String?

  @Option(help: "Output format: text, csv or json.")
  var format: Format = .text

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  func run() throws {
    try guarded {
      try blasCore.establish()
      let topology = try Topology()
      let (batch, mode) = try workload.resolve()
      let config = try threads.resolve(topology: topology)
      Interruption.install()
      let result = try KernelBenchmark.run(
        model: try model.resolve(), batch: batch, mode: mode, threads: config, topology: topology,
        sampler: try measurement.configuration(defaultBudget: 1), events: measurement.eventList(default: []),
        filter: filter, progress: !quiet)
      switch format {
      case .text: emit(KernelsReport.text(result))
      case .csv: emit(KernelsReport.csv(result))
      case .json: emit(try KernelsReport.json(result))
      }
      if result.interrupted { throw ExitCode(130) }
    }
  }
}
