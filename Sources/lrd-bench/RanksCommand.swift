import ArgumentParser
import Decomposition
import Harness
import Networks
import Profiling
import Reports

struct RanksCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ranks",
    abstract: "Run Algorithm 1 over every conv/linear layer of a model: the paper's Table 2, measured here.",
    discussion: """
      Each distinct layer shape is swept once (R from --ratio down to ⌈R/2⌉, every rank
      interleaved with the original) with one thread config (default: all cores, compact); layers
      of identical shape share the result. Writes ranks.md, ranks.csv and ranks.json to --out, and
      every sweep (CSV, JSON, Markdown, SVG, journal) to <out>/sweeps/<layer>/. Ctrl-C keeps what
      was measured; --resume DIR continues.
      """)

  @OptionGroup var model: ModelOption

  @Option(help: "Regular expression on layer names (default: every conv and linear layer).")
  var filter: String?

  @Option(help: "Compression ratio α.")
  var ratio: Double = 2

  @Option(help: "Rank step of each sweep.")
  var step: Int = 1

  @OptionGroup var workload: WorkloadOptions

  @OptionGroup var threads: ThreadConfigOptions

  @OptionGroup var policies: PolicyOptions

  @OptionGroup var blasCore: BLASCoreOptions

  @OptionGroup var measurement: MeasurementOptions

  @Option(help: "Output directory (default: results/ranks/<model>-<UTC time>).")
  var out: String?

  @Option(help: "Continue the interrupted study in this directory.")
  var resume: String?

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  func makePlan(topology: Topology) throws -> RanksPlan {
    let resolved = try model.resolve()
    guard ratio > 1 else { throw DecompositionError.badCompressionRatio(ratio) }
    guard step >= 1 else { throw HarnessError.invalidOption("--step must be at least 1") }
    let (batch, mode) = try workload.resolve()
    if let filter { _ = try ModelCatalog(resolved).layers(matching: filter) }
    let policy = try policies.resolve(defaultConfirmBudget: 0.5)
    let template = SweepPlan(
      model: resolved, layer: "", ratio: ratio, from: 1, to: 1, step: step, batch: batch,
      threadConfigs: [try threads.resolve(topology: topology)], mode: mode, frozen: .none,
      policies: policy.policies,
      sampler: try measurement.configuration(defaultBudget: 0.25),
      events: measurement.eventList(default: ["perf::TASK-CLOCK", "perf::PAGE-FAULTS"]),
      referenceEvery: policy.referenceEvery, confirmBudget: policy.confirmBudget,
      tieTolerance: policy.tieTolerance)
    return RanksPlan(model: resolved, filter: filter, template: template)
  }

  func run() throws {
    try guarded {
      try blasCore.establish()
      let topology = try Topology()
      let (directory, plan) = try ResultDirectory.open(
        resume: resume, out: out, planFile: "ranks-plan.json", kind: "ranks",
        name: { (plan: RanksPlan) in plan.model.rawValue },
        makePlan: { try makePlan(topology: topology) })
      let catalog = ModelCatalog(plan.model)
      let layers = try plan.filter.map { try catalog.layers(matching: $0) } ?? catalog.layers
      Interruption.install()
      let study = RanksStudy(
        model: plan.model, layers: layers, template: plan.template, directory: directory, topology: topology)
      study.showProgress = !quiet
      study.onSweep = { sweep, sub in try SweepReport.write(sweep, to: sub) }
      let result = try study.run()
      try RanksReport.write(result, to: directory)
      emit(RanksReport.markdown(result))
      printError("results: \(directory.url.path)/ranks.{md,csv,json} and sweeps/<layer>/")
      if result.interrupted {
        printError("interrupted: continue with  lrd-bench ranks --resume \(directory.url.path)")
        throw ExitCode(130)
      }
    }
  }
}
