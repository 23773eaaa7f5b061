import Decomposition
import Foundation
import Machine
import Networks
import Results
import Statistics

/// Runs a rank sweep (docs/methods.md "Rank-selection policies") in three steps with explicit inputs and outputs.
///
/// The steps:
///
/// 1. **Execute** (`measure`): per thread config the original alone, then in passes of seeded random order the
///    strategy's ranks (every rank of the window, or the cliff grid's and then its refinements) and the anchor
///    R + step, each paired with the original; every point journaled as soon as it is measured, journaled
///    points skipped on resume (a refinement is recomputed from the same data, so it asks for the same ranks).
/// 2. **Decide** (pure, `SweepDecisions`): each policy's choice from the timings.
/// 3. **Confirm** (`DecisionConfirmation`): a longer paired check of each choice, journaled too, so a
///    resumed run reaches the same decision; robust falls back to its next candidate when a check
///    fails. An interruption at any step marks the result interrupted and never turns a partial check
///    into a decision.
/// 4. **Assess** (pure, `DecisionAssessment`): each decision's stability under resampling and whether the point
///    it rests on reproduced.
package final class SweepRunner {
  package let plan: SweepPlan
  /// Where the journal, checks and reports go.
  package let directory: RunDirectory
  /// The machine's topology, for binding threads.
  package let topology: Topology
  let events: EventSink

  /// A runner over `plan` in `directory`, reporting through `events`.
  package init(plan: SweepPlan, directory: RunDirectory, topology: Topology, events: @escaping EventSink) {
    self.plan = plan
    self.directory = directory
    self.topology = topology
    self.events = events
  }

  /// Measures what the journal lacks and returns the full result.
  ///
  /// `phase` labels progress events.
  package func run(phase: String = "") throws -> SweepResult {
    let start = MonotonicClock.now()
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let runner = PointRunner(
      model: plan.model, onnx: plan.onnx, events: plan.events, topology: topology.summary)
    let layer = try runner.layer(named: plan.layer)
    let decomposeStart = MonotonicClock.now()
    let decomposer = try runner.decomposer(for: plan.layer)
    if layer.shape.hasOneByOneKernel { _ = try decomposer.svd() } else { _ = try decomposer.tucker2() }
    let decompositionSeconds = MonotonicClock.seconds(since: decomposeStart)
    let executor = TaskExecutor(
      journal: try directory.journal(SweepJournalEntry.self), topology: topology, events: events)
    let specs = SweepPointSpecs(plan: plan, layer: layer)
    let grid = CliffGrid.current
    var configs: [ThreadConfigSweep] = []
    var measurements: [ConfigMeasurements] = []
    for config in plan.measuredConfigs {
      let binding = try executor.bind(config)
      let originalFlops = try runner.program(for: specs.original(config)).flopsPerCall
      let measured = try measure(
        config, grid: grid, layer: layer, specs: specs, executor: executor, runner: runner, phase: phase,
        originalFlops: originalFlops)
      measurements.append(measured)
      configs.append(
        try SweepDecisions.make(
          plan: plan, layer: layer, config: config, binding: binding, measured: measured,
          originalFlops: originalFlops))
    }
    if !executor.interrupted && plan.confirmBudget > 0 {
      configs = try DecisionConfirmation(
        plan: plan, specs: specs, executor: executor, runner: runner, phase: phase
      )
      .confirm(configs)
    }
    configs = zip(configs, measurements).map {
      DecisionAssessment.assess($0, logRatios: $1.logRatios, plan: plan)
    }
    var result = SweepResult(
      plan: plan, layer: Self.snapshot(layer, ratio: plan.ratio), fingerprint: fingerprint.finished(),
      topology: topology.summary, configs: configs, interrupted: executor.interrupted,
      cliffGrid: plan.strategy == .cliffs ? grid : nil,
      decompositionSeconds: decompositionSeconds, elapsedSeconds: MonotonicClock.seconds(since: start),
      comparisonMethod: (plan.strategy == .full
        ? "every rank" : "the cliff grid's ranks and their refinements")
        + " measured paired with the original (" + PairedComparison.methodDescription + ") in \(plan.passes) "
        + "pass\(plan.passes == 1 ? "" : "es") of seeded random order (each pass until the ratio's CI reaches ±"
        + "\(String(format: "%.3g", plan.passSampler.targetRelativeHalfWidth * 100))% or "
        + "\(String(format: "%.3g", plan.passSampler.budgetSeconds)) s is spent), samples pooled over the passes; "
        + "t(r) = t/T × the original's run-wide median; the original also measured alone every "
        + "\(plan.referenceEvery) ranks to report drift; each decision checked by a longer paired measurement "
        + "(\(plan.confirmBudget) s)")
    result.shard = plan.shard
    return result
  }

  /// Measures one thread config: the strategy's ranks in passes (round 0, with the anchor), then for `cliffs`
  /// refinement rounds until `CliffGrid.refinement` asks for nothing more (at most `maximumRounds`).
  func measure(
    _ config: ThreadConfig, grid: CliffGrid, layer: LayerSpec, specs: SweepPointSpecs,
    executor: TaskExecutor<SweepTask, PointResult>, runner: PointRunner, phase: String, originalFlops: Int
  ) throws -> ConfigMeasurements {
    var ranks = plan.initialRanks(for: layer, grid: grid)
    var measured = Set(ranks)
    var tasks: [SweepTask] = []
    var references = 0
    let sampler = plan.passSampler
    for round in 0..<Self.maximumRounds {
      let roundTasks = SweepTask.round(
        plan, config: config, ranks: ranks, anchor: round == 0 ? plan.anchor : nil, round: round,
        references: &references)
      tasks += roundTasks
      let label =
        (phase.isEmpty || phase.hasSuffix(" ") ? phase : phase + " ") + config.label
        + (round == 0 ? "" : " refinement \(round)")
      let finished = try executor.run(roundTasks, phase: label, runner: runner) { task in
        TaskMeasurement(
          point: specs.point(task), reference: task.rank == nil ? nil : specs.original(task.config),
          sampler: sampler)
      }
      guard finished, plan.strategy == .cliffs else { break }
      let sweep = try SweepDecisions.make(
        plan: plan, layer: layer, config: config, binding: try executor.bind(config),
        measured: ConfigMeasurements(config: config, tasks: tasks, results: executor.results),
        originalFlops: originalFlops)
      ranks = plan.refinement(timings: sweep.timings, anchor: sweep.anchorTiming, measured: measured)
      if ranks.isEmpty { break }
      measured.formUnion(ranks)
    }
    return ConfigMeasurements(config: config, tasks: tasks, results: executor.results)
  }

  /// Rounds of a `cliffs` sweep at most (the first and its refinements).
  static let maximumRounds = 12

  /// The layer as stored in results.
  static func snapshot(_ layer: LayerSpec, ratio: Double) -> LayerSpecSnapshot {
    let alpha = (try? RankSelection.factorization(for: layer, ratio: ratio))?.description ?? "n/a"
    return LayerSpecSnapshot(
      name: layer.name, shape: layer.shapeDescription, inChannels: layer.inChannels,
      outChannels: layer.outChannels, kernel: layer.kernel, parameters: layer.parameterCount,
      macsPerImage: layer.macsPerImage, decomposition: layer.shape.hasOneByOneKernel ? "svd" : "tucker2",
      alphaRank: alpha)
  }
}

/// The point specs of a sweep's tasks.
struct SweepPointSpecs {
  let plan: SweepPlan
  let layer: LayerSpec

  func original(_ config: ThreadConfig) -> PointSpec {
    PointSpec(
      model: plan.model, layer: plan.layer, factorization: .original, batch: plan.batch, mode: plan.mode,
      frozen: .none, threads: config, cache: plan.sampler.cache, onnx: plan.onnx)
  }

  func decomposed(_ rank: Int, _ config: ThreadConfig) -> PointSpec {
    var spec = original(config)
    spec.factorization = plan.factorization(for: layer, rank: rank)
    spec.frozen = plan.frozen
    return spec
  }

  func point(_ task: SweepTask) -> PointSpec {
    task.rank.map { decomposed($0, task.config) } ?? original(task.config)
  }
}
