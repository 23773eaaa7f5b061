import Machine
import Networks
import Profiling
import Programs
import Results
import Statistics

/// A network point of `table`: a model as a variant in one mode, measured paired with the original.
package struct TableTask: MeasurementTask {
  /// The thread config of the measurement.
  package var config: ThreadConfig
  package var model: ResNetModel
  package var mode: Mode
  /// The variant's canonical form, with `optimized` standing for the model's ranks directory.
  package var variant: String
  /// The journal key, for example `resnet50/inference/merged`.
  package var id: String { "\(model)/\(mode)/\(variant)" }
}

/// The paper's Tables 1 and 3 and the whole-network Figure 5, measured here: for each model, every
/// technique's network measured interleaved with the original network in inference and training
/// (paired, journaled, resumable), optimized ranks from a given or a quick `ranks` study, the
/// branch count of the branching row chosen from the measured Figure 5 sweep, and the best
/// combination of techniques.
package final class TableStudy {
  package let plan: TablePlan
  /// Where journals, ranks studies and reports go.
  package let directory: RunDirectory
  /// The machine's topology, for binding threads.
  package let topology: Topology
  let events: EventSink
  /// Writes a finished quick ranks study's reports (ranks.json is what optimized ranks read).
  let writeRanks: (RanksResult, RunDirectory) throws -> Void
  /// Writes each sweep of a quick ranks study.
  let onSweep: (SweepResult, RunDirectory) throws -> Void
  let runner: ModelRunner
  var executor: TaskExecutor<TableTask, ModelResult>?
  var interrupted = false

  /// A study over `plan` in `directory`; `writeRanks` and `onSweep` write the reports of its ranks study.
  package init(
    plan: TablePlan, directory: RunDirectory, topology: Topology, events: @escaping EventSink,
    writeRanks: @escaping (RanksResult, RunDirectory) throws -> Void,
    onSweep: @escaping (SweepResult, RunDirectory) throws -> Void
  ) {
    self.plan = plan
    self.directory = directory
    self.topology = topology
    self.events = events
    self.writeRanks = writeRanks
    self.onSweep = onSweep
    runner = ModelRunner(events: plan.events)
  }

  /// Measures every network not yet in the journal and assembles the tables.
  package func run() throws -> TableResult {
    let start = MonotonicClock.now()
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let executor = TaskExecutor<TableTask, ModelResult>(
      journal: try directory.journal(TaskEntry<TableTask, ModelResult>.self), topology: topology,
      events: events)
    self.executor = executor
    let resumed = executor.results.count
    let binding = try executor.bind(plan.threads)
    let peakStart = PeakSGEMM.measure(threads: plan.threads.threads)
    var tables: [ModelTable] = []
    for model in plan.models {
      if Interruption.isRequested { interrupted = true }
      if interrupted { break }
      tables.append(try table(for: model, executor: executor))
      runner.releasePrograms()
    }
    try executor.bind(plan.threads)
    let peakEnd = PeakSGEMM.measure(threads: plan.threads.threads)
    return TableResult(
      plan: plan, models: tables,
      measurements: executor.results.values.sorted { $0.sequence < $1.sequence }, peak: [peakStart, peakEnd],
      binding: binding, fingerprint: fingerprint.finished(), interrupted: interrupted || executor.interrupted,
      elapsedSeconds: MonotonicClock.seconds(since: start), resumedMeasurements: resumed,
      comparisonMethod: "each network measured paired with the original network, one step per sample ("
        + PairedComparison.methodDescription + ")")
  }

  /// The ranks directory for `model`: given, or a quick ranks study run now (resumable in
  /// `<out>/ranks-<model>/`).
  ///
  /// Nil when that study was interrupted.
  func ranks(for model: ResNetModel) throws -> (directory: String?, seconds: Double?) {
    if let given = plan.ranksFrom[model.rawValue] { return (given, nil) }
    var template = SweepPlan(
      model: model, layer: "", ratio: plan.ratio, from: 1, to: 1, step: 1, anchor: nil, batch: plan.batch,
      threadConfigs: [plan.threads], mode: .inference, frozen: .none,
      policies: Array(Set([plan.policy, .paper, .robust])).sorted { $0.rawValue < $1.rawValue },
      sampler: plan.ranksSampler, events: [], referenceEvery: 16,
      confirmBudget: plan.ranksSampler.budgetSeconds,
      tieTolerance: RankPolicy.defaultTolerance)
    template.backend = plan.backend
    let ranksPlan = RanksPlan(
      model: model, filter: "^(layer|fc)", template: template, ranksPerLayer: plan.ranksPerLayer)
    let sub = try directory.child(
      "ranks-\(model.rawValue)", kind: "ranks", planFile: "ranks-plan.json", plan: ranksPlan)
    let result = try RanksStudy(
      plan: ranksPlan, directory: sub, topology: topology, events: events, onSweep: onSweep
    ).run()
    try writeRanks(result, sub)
    try executor?.bind(plan.threads)
    if result.interrupted {
      interrupted = true
      return (nil, result.elapsedSeconds)
    }
    return (sub.path, result.elapsedSeconds)
  }

  func spec(_ task: TableTask, ranks: String?) throws -> ModelSpec {
    var text = task.variant
    if let ranks { text = text.replacingOccurrences(of: "optimized", with: "optimized:\(ranks)") }
    var spec = ModelSpec(
      model: task.model, variant: try NetworkVariant(parsing: text), ratio: plan.ratio, policy: plan.policy,
      batch: plan.batch, mode: task.mode, threads: plan.threads)
    spec.layerBackends = plan.layerBackends?[task.model.rawValue]
    return spec
  }

  /// Measures the tasks not yet known (paired with the original) under a progress phase.
  func measure(
    _ tasks: [TableTask], phase: String, ranks: String?, executor: TaskExecutor<TableTask, ModelResult>
  )
    throws
  {
    var unique: [TableTask] = []
    for task in tasks where !unique.contains(task) { unique.append(task) }
    let finished = try executor.run(unique, phase: phase) { task, _, sequence in
      let spec = try spec(task, ranks: ranks)
      try runner.checkMemory(spec, paired: true)
      return try runner.measure(
        pairedWithOriginal: spec, sampler: plan.sampler(task.mode), sequence: sequence)
    }
    if !finished { interrupted = true }
  }
}
