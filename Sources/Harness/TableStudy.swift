import Foundation
import Machine
import Networks
import ONNX
import Profiling
import Programs
import Statistics

/// A network point of `table`: a model as a variant in one mode, measured paired with the original.
package struct TableTask: MeasurementTask {
  /// The thread config of the measurement.
  package var config: ThreadConfig
  package var model: ResNetModel
  package var mode: Mode
  /// The network measured (optimized ranks name the ranks directory in use).
  package var variant: NetworkVariant
  /// Which measurement of the network this is: nil for the main one (a technique's row, a Figure 5 point),
  /// or a screening run or a report run of a choice.
  package var stage: TableStage?

  package init(
    config: ThreadConfig, model: ResNetModel, mode: Mode, variant: NetworkVariant, stage: TableStage? = nil
  ) {
    self.config = config
    self.model = model
    self.mode = mode
    self.variant = variant
    self.stage = stage
  }

  /// The journal key, for example `resnet50/inference/merged` or `resnet50/training/merged+branched:4/report`
  /// (optimized ranks as `optimized`, wherever they came from).
  package var id: String { "\(model)/\(mode)/\(variant.label)" + (stage.map { "/\($0.rawValue)" } ?? "") }
}

/// A measurement that exists because something is chosen from measurements: choices are made on one and
/// reported from another, independent one.
package enum TableStage: String, Codable, Sendable {
  /// A combination measured at a third of the budget, only to choose the best one.
  case screening
  /// A chosen network (the branch count from Figure 5, the best combination from the screening) measured
  /// again with the full budget: the figure the table reports.
  case report
}

/// The paper's Tables 1 and 3 and the whole-network Figure 5, measured here: for each model, every
/// technique's network measured interleaved with the original network in inference and training
/// (paired, journaled, resumable), optimized ranks from a given ranks directory or a quick ranks study run as
/// a child study, the branch count of the branching row chosen from the measured Figure 5 sweep, and the best
/// combination of techniques.
package enum TableStudy: Study {
  package static let kind = "table"
  package static let planFile = "plan.json"

  package static func directoryName(for plan: TablePlan) -> String {
    plan.onnx?.stem ?? plan.models.map(\.rawValue).joined(separator: "-")
  }

  /// The plan's own checks, and that every given ranks directory holds the policy's choices for its model.
  package static func validate(_ plan: TablePlan, cores: Int) throws {
    try plan.validate(cores: cores)
    for model in plan.models {
      if let directory = plan.ranksFrom[model.rawValue], let onnx = plan.onnx {
        _ = try ImportedNetworkTiming.build(
          try ImportedModel.cached(onnx), ratio: plan.ratio,
          variant: .init(
            NetworkVariant(ranks: .optimized(directory: directory)),
            ranks: try OptimizedRanks.load(directory, model: model, onnx: onnx, policy: plan.policy)))
      } else if let directory = plan.ranksFrom[model.rawValue] {
        // Every layer the network decomposes must have a choice: planned now, before any directory exists.
        _ = try NetworkPlan(
          catalog: ModelCatalog(model), variant: NetworkVariant(ranks: .optimized(directory: directory)),
          ratio: plan.ratio,
          optimizedRanks: try OptimizedRanks.load(directory, model: model, policy: plan.policy))
      }
    }
  }

  /// The largest pair: the original and vanilla LRD training programs together, per model.
  package static func checkMemory(_ plan: TablePlan) throws {
    let runner = ModelRunner(events: [])
    for model in plan.models {
      var spec = ModelSpec(
        model: model, variant: .lrd, batch: plan.batch, mode: .training, threads: plan.threads)
      spec.onnx = plan.onnx
      try runner.checkMemory(spec, paired: true)
    }
  }

  /// The first model stands for all; none with per-layer backends (no single library in use to check).
  package static func backendCheck(_ plan: TablePlan, in context: StudyContext) -> (
    () throws -> BackendCheck
  )? {
    guard plan.layerBackends == nil, plan.onnx == nil else { return nil }
    return {
      try BackendChecker.network(plan.measuredModels[0], threads: plan.threads, topology: context.topology)
    }
  }

  /// Measures every network not yet in the journal and assembles the tables.
  package static func run(_ plan: TablePlan, in context: StudyContext) throws -> TableResult {
    try TableRun(plan: plan, context: context).run()
  }
}

/// One session of a table study: its journal's executor, the network programs it keeps, the child ranks
/// studies it ran, and whether it was interrupted.
final class TableRun {
  let plan: TablePlan
  let context: StudyContext
  let runner: ModelRunner
  let executor: TaskExecutor<TableTask, ModelResult>
  var ranksRuns: [ChildRun<RanksResult>] = []
  var interrupted = false

  init(plan: TablePlan, context: StudyContext) throws {
    self.plan = plan
    self.context = context
    runner = ModelRunner(events: plan.events)
    executor = TaskExecutor<TableTask, ModelResult>(
      journal: try context.directory.journal(TaskEntry<TableTask, ModelResult>.self),
      topology: context.topology,
      events: context.events)
  }

  func run() throws -> TableResult {
    let start = MonotonicClock.now()
    let fingerprint = MachineFingerprint.capture(topology: context.topology.summary)
    let resumed = executor.results.count
    let binding = try executor.bind(plan.threads)
    let peakStart = PeakSGEMM.measure(threads: plan.threads.threads)
    var tables: [ModelTable] = []
    for model in plan.measuredModels {
      if Interruption.isRequested { interrupted = true }
      if interrupted { break }
      tables.append(try table(for: model))
      runner.releasePrograms()
    }
    try executor.bind(plan.threads)
    let peakEnd = PeakSGEMM.measure(threads: plan.threads.threads)
    var result = TableResult(
      plan: plan, models: tables,
      measurements: executor.results.values.sorted { $0.sequence < $1.sequence }, peak: [peakStart, peakEnd],
      binding: binding, fingerprint: fingerprint.finished(), interrupted: interrupted || executor.interrupted,
      elapsedSeconds: MonotonicClock.seconds(since: start), resumedMeasurements: resumed,
      comparisonMethod: "each network measured paired with the original network, one step per sample ("
        + PairedComparison.methodDescription + ")")
    result.ranksRuns = ranksRuns
    result.shard = plan.shard
    return result
  }

  /// Optimized ranks for `model`: the given ranks directory, or a quick ranks study run now as a child study
  /// (resumable in `<out>/ranks-<model>/`), whose typed result the networks then use.
  ///
  /// The directory is nil when that study was interrupted.
  func ranks(for model: ResNetModel) throws -> (directory: String?, seconds: Double?) {
    if let given = plan.ranksFrom[model.rawValue] { return (given, nil) }
    let settings = SweepSettings(
      ratio: plan.ratio, step: 1, batch: plan.batch, threadConfigs: [plan.threads], mode: .inference,
      policies: Array(Set([plan.policy, .paper, .robust])).sorted { $0.rawValue < $1.rawValue },
      sampler: plan.ranksSampler, events: [], backend: plan.backend, referenceEvery: 16,
      confirmBudget: plan.ranksSampler.budgetSeconds, strategy: plan.ranksPerLayer == nil ? .cliffs : .full,
      passes: 3)
    var ranksPlan = RanksPlan(
      model: model, filter: "^(layer|fc)", settings: settings, ranksPerLayer: plan.ranksPerLayer)
    if let onnx = plan.onnx {
      // Every layer vanilla LRD decomposes: all but the first (the stem), as for a catalog model.
      let first = try ImportedModel.cached(onnx).layers.first?.spec.name ?? ""
      ranksPlan.filter = "^(?!" + NSRegularExpression.escapedPattern(for: first) + "$)"
      ranksPlan.onnx = onnx
    }
    let sub = try context.directory.child(
      "ranks-\(plan.onnx?.stem ?? model.rawValue)", kind: RanksStudy.kind, planFile: RanksStudy.planFile,
      plan: ranksPlan)
    let result = try RanksStudy.run(ranksPlan, in: context.child(sub, phase: context.phase))
    ranksRuns.append(ChildRun(directory: sub, result: result))
    try executor.bind(plan.threads)
    if result.interrupted {
      interrupted = true
      return (nil, result.elapsedSeconds)
    }
    runner.provide(
      OptimizedRanks.choices(result, policy: plan.policy), model: model, onnx: plan.onnx, directory: sub.path,
      policy: plan.policy)
    return (sub.path, result.elapsedSeconds)
  }

  func spec(_ task: TableTask) -> ModelSpec {
    var spec = ModelSpec(
      model: task.model, variant: task.variant, ratio: plan.ratio, policy: plan.policy, batch: plan.batch,
      mode: task.mode, threads: plan.threads)
    spec.layerBackends = plan.layerBackends?[task.model.rawValue]
    spec.onnx = plan.onnx
    return spec
  }

  /// Measures the tasks not yet known (paired with the original) under a progress phase.
  func measure(_ tasks: [TableTask], phase: String) throws {
    var unique: [TableTask] = []
    for task in tasks where !unique.contains(task) { unique.append(task) }
    let finished = try executor.run(unique, phase: context.phase + phase) { task, _, sequence in
      let spec = spec(task)
      try runner.checkMemory(spec, paired: true)
      let sampler = plan.sampler(task.mode)
      return try runner.measure(
        pairedWithOriginal: spec,
        sampler: task.stage == .screening ? sampler.withBudget(sampler.budgetSeconds / 3) : sampler,
        sequence: sequence)
    }
    if !finished { interrupted = true }
  }
}
