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

  @OptionGroup var workload: WorkloadOptions

  @OptionGroup var threads: ThreadConfigOptions

  @OptionGroup var blasCore: BLASCoreOptions

  @OptionGroup var measurement: MeasurementOptions

  @Option(help: "Output directory (default: results/branches/<layer>-<UTC time>).")
  var out: String?

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  func run() throws {
    try guarded {
      try blasCore.establish()
      let topology = try Topology()
      let resolved = try model.resolve()
      _ = try ModelCatalog(resolved).layer(named: layer)
      guard ratio > 1 else { throw DecompositionError.badCompressionRatio(ratio) }
      let (batch, mode) = try workload.resolve()
      let counts = branches.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !counts.isEmpty, counts.allSatisfy({ $0 != nil }) else {
        throw HarnessError.invalidOption("--branches '\(branches)': use counts such as 1,2,4,8")
      }
      let config = try threads.resolve(topology: topology)
      let sampler = try measurement.configuration(defaultBudget: 2)
      let directory = try ResultDirectory(
        path: out ?? ResultDirectory.defaultPath(kind: "branches", name: layer))
      Interruption.install()
      let result = try BranchesStudy.run(
        model: resolved, layer: layer, branches: counts.map { $0! }, ratio: ratio, batch: batch,
        mode: mode,
        threads: config, sampler: sampler,
        events: measurement.eventList(default: ["perf::TASK-CLOCK", "perf::PAGE-FAULTS"]), topology: topology,
        progress: !quiet)
      try BranchesReport.write(result, to: directory)
      emit(BranchesReport.markdown(result))
      printError("results: \(directory.url.path)/branches.{md,csv,json,svg}")
      if result.interrupted { throw ExitCode(130) }
    }
  }
}
