import Decomposition
import Machine
import Networks
import Results
import Statistics

/// Runs a rank sweep (docs/methods.md "Rank-selection policies") in three steps with explicit inputs and outputs.
///
/// The steps:
///
/// 1. **Execute** the plan's tasks (`SweepTask.schedule`): per thread config the original alone, the
///    anchor R + step and every rank from R down to R_min, each paired with the original; every
///    point journaled as soon as it is measured, journaled points skipped on resume.
/// 2. **Decide** (pure, `SweepDecisions`): each policy's choice from the timings.
/// 3. **Confirm** (`DecisionConfirmation`): a longer paired check of each choice, journaled too, so a
///    resumed run reaches the same decision; robust falls back to its next candidate when a check
///    fails. An interruption at any step marks the result interrupted and never turns a partial check
///    into a decision.
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
    let runner = PointRunner(model: plan.model, events: plan.events, topology: topology.summary)
    let layer = try runner.catalog.layer(named: plan.layer)
    let decomposeStart = MonotonicClock.now()
    let decomposer = try runner.decomposer(for: plan.layer)
    if layer.shape.hasOneByOneKernel { _ = try decomposer.svd() } else { _ = try decomposer.tucker2() }
    let decompositionSeconds = MonotonicClock.seconds(since: decomposeStart)
    let executor = TaskExecutor(
      journal: try directory.journal(SweepJournalEntry.self), topology: topology, events: events)
    let specs = SweepPointSpecs(plan: plan, layer: layer)
    let tasks = SweepTask.schedule(plan)
    try executor.run(tasks, phase: phase, runner: runner) { task in
      TaskMeasurement(
        point: specs.point(task), reference: task.rank == nil ? nil : specs.original(task.config),
        sampler: plan.sampler)
    }
    var configs = try plan.threadConfigs.map { config in
      try SweepDecisions.make(
        plan: plan, layer: layer, config: config, binding: try executor.bind(config),
        results: executor.results,
        originalFlops: try runner.program(for: specs.original(config)).flopsPerCall)
    }
    if !executor.interrupted && plan.confirmBudget > 0 {
      configs = try DecisionConfirmation(
        plan: plan, specs: specs, executor: executor, runner: runner, phase: phase
      )
      .confirm(configs)
    }
    return SweepResult(
      plan: plan, layer: Self.snapshot(layer, ratio: plan.ratio), fingerprint: fingerprint.finished(),
      topology: topology.summary, configs: configs, interrupted: executor.interrupted,
      decompositionSeconds: decompositionSeconds, elapsedSeconds: MonotonicClock.seconds(since: start),
      comparisonMethod: "every rank measured paired with the original ("
        + PairedComparison.methodDescription + "; each point until the ratio's CI reaches ±"
        + "\(plan.sampler.targetRelativeHalfWidth * 100)% or its budget is spent); the original also measured "
        + "alone every \(plan.referenceEvery) ranks to report drift; each decision checked by a longer paired "
        + "measurement (\(plan.confirmBudget) s)")
  }

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
      frozen: .none, threads: config, cache: plan.sampler.cache)
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
