import ArgumentParser
import Decomposition
import Harness
import Networks
import Profiling
import Reports

struct BranchesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "branches",
    abstract:
      "Time branched Tucker (grouped-convolution core) against the number of branches: the paper's Figure 5 for one layer.",
    discussion: """
      The α ranks of the layer are rounded down to multiples of each N; N = 1 is plain Tucker-2.
      Writes branches.md, branches.csv, branches.json and branches.svg (throughput vs N with the
      original as a reference line) to --out and prints the table.
      """)

  @Option(help: "A k×k convolution, e.g. layer4.2.conv2.")
  var layer: String

  @OptionGroup var model: ModelOption

  @Option(help: "Branch counts N, comma-separated.")
  var branches: String = "1,2,4,8"

  @Option(help: "Compression ratio α for the Tucker-2 ranks.")
  var ratio: Double = 2

  @Option(help: "Batch size.")
  var batch: Int = 8

  @Option(help: "BLAS threads (default: all cores).")
  var threads: Int?

  @Option(help: "Thread binding: none, compact or scatter.")
  var bind: String = "compact"

  @Option(help: "inference or training.")
  var mode: String = "inference"

  @OptionGroup var measurement: MeasurementOptions

  @Option(help: "Output directory (default: results/branches/<layer>-<UTC time>).")
  var out: String?

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  func run() throws {
    try guarded {
      let topology = try Topology()
      let resolved = try model.resolve()
      _ = try ModelCatalog(resolved).layer(named: layer)
      guard ratio > 1 else { throw DecompositionError.badCompressionRatio(ratio) }
      guard batch >= 1 else { throw HarnessError.invalidOption("--batch must be at least 1") }
      let counts = branches.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !counts.isEmpty, counts.allSatisfy({ $0 != nil }) else {
        throw HarnessError.invalidOption("--branches '\(branches)': use counts such as 1,2,4,8")
      }
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
      let sampler = try measurement.configuration(defaultBudget: 2)
      let directory = try ResultDirectory(
        path: out ?? ResultDirectory.defaultPath(kind: "branches", name: layer))
      Interruption.install()
      let result = try BranchesStudy.run(
        model: resolved, layer: layer, branches: counts.map { $0! }, ratio: ratio, batch: batch,
        mode: resolvedMode,
        threads: ThreadConfig(threads: count, binding: binding), sampler: sampler,
        events: measurement.eventList(default: ["perf::TASK-CLOCK", "perf::PAGE-FAULTS"]), topology: topology,
        progress: !quiet)
      try BranchesReport.write(result, to: directory)
      emit(BranchesReport.markdown(result))
      printError("results: \(directory.url.path)/branches.{md,csv,json,svg}")
      if result.interrupted { throw ExitCode(130) }
    }
  }
}
