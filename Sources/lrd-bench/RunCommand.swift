import ArgumentParser
import Foundation
import Harness
import Machine
import Profiling
import Reports
import Store
import Suites
import Support

struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a suite (suites/*.yaml) and store every point with all its samples in the results store.",
    discussion: """
      SUITE is a file (suites/nightly.yaml) or a suite name (nightly → suites/nightly.yaml). Every point × thread config is measured in order (each until its CI target or budget) and stored as soon as it is measured, so an interrupted run keeps what it measured (stored as incomplete). Prints a summary (median, CI, CV, samples, stop reason) and each reference check; with --check, a point outside its reference bounds makes the exit status 2.

      The run records its suite and the suite file's digest, start and end time, git commit, build configuration, the machine fingerprint and the machine key (see lrd-bench baseline show). Compare runs with lrd-bench compare.

      Test knob: LRD_BENCH_INJECT_SLOWDOWN=F[@REGEX] adds F × each call's time as a busy-wait inside the timed region of the matching points (to check that compare catches a known slowdown); the summary marks injected points.
      """)

  @Argument(help: "The suite: a YAML file or a name in suites/.")
  var suite: String

  @Option(help: "A label for the run (compare and export accept it in place of the run id).")
  var label: String?

  @Option(
    help: ArgumentHelp(
      "Run only shard i of n of the suite's points × thread configs, split by estimated time (each point's budget, or with --costs-from its last measured time), the same for the same suite and costs; e.g. 1/4.",
      valueName: "i/n"))
  var shard: String?

  @Option(
    help:
      "A results store (read only) whose latest timings of this machine key's points balance the shards; give every shard the same one (default: each point's budget)."
  )
  var costsFrom: String?

  @Option(
    name: .customLong("machine-label"),
    help:
      "The label whose references are checked (default: the machine key; references under * apply to all).")
  var machineLabel: String?

  @Flag(help: "Exit 2 when a point is outside its reference bounds.")
  var check = false

  @Option(
    parsing: .unconditional,
    help:
      "Passes over the suite, each with 1/rounds of every point's budget; the samples are pooled so they span the run."
  )
  var rounds: Int = 2

  @OptionGroup var storeOptions: StoreOptions

  @Option(help: "Output format.")
  var format: ReportFormat = .markdown

  @Flag(help: "No progress output on stderr (warnings still appear).")
  var quiet = false

  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backend: BackendOptions

  /// "nightly" → "suites/nightly.yaml"; a path is kept.
  static func suitePath(_ text: String) -> String {
    if text.hasSuffix(".yaml") || text.hasSuffix(".yml") || text.contains("/") { return text }
    return "suites/\(text).yaml"
  }

  func run() throws {
    try guarded {
      let topology = try Topology()
      let parsed = try SuiteParser.load(Self.suitePath(suite))
      try parsed.checkThreads(cores: topology.summary.coreCount, file: Self.suitePath(suite))
      var cases = parsed.expanded(cores: topology.summary.coreCount)
      let total = cases.count
      var shardText: String?
      let key = MachineKey.make(topology: topology.summary, cpu: CPUFeatures.current)
      if let shard = try shard.map(ShardOption.parse) {
        let history = try costsFrom.map { try ResultStore(path: $0, access: .read) }
        let costs = try SuiteCase.estimatedSeconds(cases, history: history, machine: key)
        cases = shard.items(costs: costs).map { cases[$0] }
        shardText = "\(shard)"
        guard !cases.isEmpty else {
          throw HarnessError.invalidRequest(
            "--shard \(shard) holds no point: the suite \(parsed.name) has \(total) point\(total == 1 ? "" : "s") "
              + "(with its thread configs); use at most \(total) shards")
        }
      } else if costsFrom != nil {
        throw ValidationError("--costs-from balances shards; give --shard i/n too")
      }
      let store = try storeOptions.open(.create)
      if let label { try store.checkNewLabel(label) }
      let bar = ProgressBar(quiet: quiet)
      let runner = SuiteRunner(
        suite: parsed, cases: cases, store: store, topology: topology, machineLabel: machineLabel ?? key,
        events: bar.sink)
      try runner.validate()
      try blasCore.establish()
      try backend.establish()
      Interruption.install()
      guard (1...20).contains(rounds) else {
        throw HarnessError.invalidRequest("--rounds must be within 1…20, got \(rounds)")
      }
      let result = try runner.run(
        label: label, shard: shardText, skipped: total - cases.count, rounds: rounds)
      bar.finish()
      emit(format == .json ? try SuiteRunReport.json(result) : SuiteRunReport.markdown(result))
      if result.interrupted { throw ExitCode(130) }
      if check && !result.failedReferences.isEmpty { throw ExitCode(2) }
    }
  }
}

/// Output formats of the store commands.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
  case markdown
  case json
}
