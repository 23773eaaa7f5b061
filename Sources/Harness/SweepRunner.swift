import Decomposition
import Networks
import Profiling

/// Runs a rank sweep (DESIGN.md "Algorithm 1"): per thread config, the original layer, then every
/// rank from R down to R_min, re-measuring the original every `referenceEvery` ranks so drift
/// cannot bias the comparison; then each policy decides, and each decision is checked with an
/// interleaved paired measurement against the original.
///
/// Every measured point goes to the journal at once; Ctrl-C stops after the current sample, the
/// unfinished point is dropped, and `--resume` measures only what is missing.
public final class SweepRunner {
  public let plan: SweepPlan
  public let directory: ResultDirectory
  public let topology: Topology
  public var showProgress = true
  /// Called after each newly measured point with the number measured so far in this run.
  public var onPoint: ((Int) -> Void)?
  /// Prefix for progress lines (e.g. "[3/24] ").
  public var progressPrefix = ""

  public init(plan: SweepPlan, directory: ResultDirectory, topology: Topology) {
    self.plan = plan
    self.directory = directory
    self.topology = topology
  }

  /// Measures every task not yet in the journal and returns the full result.
  public func run() throws -> SweepResult {
    let start = Clock.now()
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let runner = PointRunner(
      model: plan.model, sampler: plan.sampler, events: plan.events, topology: topology.summary)
    let layer = try runner.catalog.layer(named: plan.layer)
    let decomposeStart = Clock.now()
    let decomposer = try runner.decomposer(for: plan.layer)
    if layer.shape.hasOneByOneKernel { _ = try decomposer.svd() } else { _ = try decomposer.tucker2() }
    let decompositionSeconds = Clock.seconds(since: decomposeStart)

    let tasks = SweepTask.schedule(plan)
    var done: [String: PointResult] = [:]
    for entry in try directory.readJournal(SweepJournalEntry.self) { done[entry.task.id] = entry.result }
    runner.skipSequence(to: (done.values.map(\.sequence).max() ?? -1) + 1)
    let progress = Progress(total: tasks.count, enabled: showProgress)
    if !done.isEmpty { printError("resuming: \(done.count) of \(tasks.count) points already measured") }

    var configs: [ThreadConfigSweep] = []
    var interrupted = false
    var measuredNow = 0
    for config in plan.threadConfigs {
      let binding = try topology.apply(config)
      if !binding.verified { printError("warning: binding \(config) could not be verified: \(binding)") }
      for task in tasks where task.config == config {
        if done[task.id] != nil {
          progress.step("\(progressPrefix)\(task.id) (already measured)", skipped: true)
          continue
        }
        if Interruption.isRequested {
          interrupted = true
          break
        }
        let spec = pointSpec(for: task, layer: layer)
        let result: PointResult
        if case .rank = task.kind {
          // Every rank is measured interleaved with the original, so t/T survives drift.
          let original = pointSpec(for: SweepTask(config: task.config, kind: .reference(-1)), layer: layer)
          result = try runner.measure(spec, pairedWith: original)
        } else {
          result = try runner.measure(spec)
        }
        if result.measurement.stopReason == .interrupted {
          interrupted = true
          break
        }
        try directory.append(journal: SweepJournalEntry(task: task, result: result))
        done[task.id] = result
        let stats = result.measurement.statistics
        measuredNow += 1
        progress.step(
          "\(progressPrefix)\(task.id) \(Format.duration(stats.median)) ±\(Format.percent(stats.relativeHalfWidth))",
          seconds: result.measurement.elapsedSeconds)
        onPoint?(measuredNow)
      }
      configs.append(
        try summarize(
          config: config, binding: binding, tasks: tasks, done: done, layer: layer, runner: runner,
          confirm: !interrupted))
      if interrupted { break }
    }
    progress.finish()
    return SweepResult(
      plan: plan, layer: Self.snapshot(layer, ratio: plan.ratio), fingerprint: fingerprint,
      topology: topology.summary,
      configs: configs, interrupted: interrupted, decompositionSeconds: decompositionSeconds,
      elapsedSeconds: Clock.seconds(since: start),
      comparisonMethod:
        "every rank measured interleaved with the original (ABAB, until both medians reach the CI target or the "
        + "budget is spent); t/T and its 95% CI from a bootstrap over the pairs; the original also "
        + "measured alone every \(plan.referenceEvery) ranks to report drift; each decision re-checked by a longer "
        + "interleaved measurement (bootstrap CI, Mann-Whitney U)")
  }

  func pointSpec(for task: SweepTask, layer: LayerSpec) -> PointSpec {
    let factorization: Factorization
    switch task.kind {
    case .reference: factorization = .original
    case .rank(let r): factorization = plan.factorization(for: layer, rank: r)
    }
    return PointSpec(
      model: plan.model, layer: plan.layer, factorization: factorization, batch: plan.batch, mode: plan.mode,
      frozen: factorization == .original ? .none : plan.frozen, threads: task.config,
      cache: plan.sampler.cache)
  }

  func summarize(
    config: ThreadConfig, binding: BindingRecord, tasks: [SweepTask], done: [String: PointResult],
    layer: LayerSpec,
    runner: PointRunner, confirm: Bool
  ) throws -> ThreadConfigSweep {
    var references: [PointResult] = []
    var ranks: [(Int, PointResult)] = []
    for task in tasks where task.config == config {
      guard let result = done[task.id] else { continue }
      switch task.kind {
      case .reference: references.append(result)
      case .rank(let r): ranks.append((r, result))
      }
    }
    references.sort { $0.sequence < $1.sequence }
    ranks.sort { $0.0 > $1.0 }
    let originalFlops = try runner.program(
      for: pointSpec(for: SweepTask(config: config, kind: .reference(-1)), layer: layer)
    ).flopsPerCall
    let timings = ranks.compactMap { rank, result -> RankTiming? in
      let decomposed = result.measurement.statistics
      if let comparison = result.comparison {
        return RankTiming(
          rank: rank, flops: Double(result.flopsPerCall), referenceFlops: Double(originalFlops),
          median: decomposed.median, lower: decomposed.medianCI.lower, upper: decomposed.medianCI.upper,
          referenceMedian: comparison.baseline.median, ratio: comparison.ratio,
          ratioLower: comparison.ratioCI.lower,
          ratioUpper: comparison.ratioCI.upper)
      }
      // Unpaired (older journals): the original measured nearest in time.
      guard
        let reference = references.min(by: {
          abs($0.sequence - result.sequence) < abs($1.sequence - result.sequence)
        })
      else { return nil }
      let original = reference.measurement.statistics
      return RankTiming(
        rank: rank, flops: Double(result.flopsPerCall), referenceFlops: Double(reference.flopsPerCall),
        median: decomposed.median, lower: decomposed.medianCI.lower, upper: decomposed.medianCI.upper,
        referenceMedian: original.median, referenceLower: original.medianCI.lower,
        referenceUpper: original.medianCI.upper)
    }
    let original = FactorizationCost(layer, .original)
    var confirmations: [Int: PairedComparison] = [:]
    var decisions: [PolicyDecision] = []
    for policy in plan.policies {
      let choice = policy.decide(timings, tolerance: plan.tieTolerance)
      var factorization: Factorization?
      var cost = original
      if let rank = choice.rank {
        factorization = plan.factorization(for: layer, rank: rank)
        cost = FactorizationCost(layer, factorization!)
      }
      var decision = PolicyDecision(
        policy: policy, choice: choice, factorization: factorization,
        speedup: choice.rank == nil ? 1 : 1 / (choice.timing?.ratio ?? 1),
        parametersChangePercent: (Double(cost.parameters) / Double(original.parameters) - 1) * 100,
        flopsChangePercent: (Double(cost.macsPerImage) / Double(original.macsPerImage) - 1) * 100,
        confirmation: nil, revokedByConfirmation: false)
      if confirm, plan.confirmBudget > 0, let rank = choice.rank, let chosen = factorization {
        if confirmations[rank] == nil {
          var sampler = plan.sampler
          sampler.budgetSeconds = plan.confirmBudget
          sampler.warmupSeconds = min(sampler.warmupSeconds, plan.confirmBudget / 8)
          runner.sampler = sampler
          defer { runner.sampler = plan.sampler }
          let base = pointSpec(for: SweepTask(config: config, kind: .reference(-1)), layer: layer)
          var candidate = base
          candidate.factorization = chosen
          candidate.frozen = plan.frozen
          confirmations[rank] = try runner.measurePaired(baseline: base, candidate: candidate).comparison
        }
        decision.confirmation = confirmations[rank]
        if policy == .robust, let comparison = confirmations[rank], !comparison.isImprovement(threshold: 0) {
          decision.revokedByConfirmation = true
          decision.choice = RankChoice(
            rank: nil, timing: choice.timing,
            reason: choice.reason + "; the interleaved check found no significant speed-up "
              + "(\(Format.ratio(comparison.speedup)), p = \(Format.pValue(comparison.pValue))), so ORG")
          decision.factorization = nil
          decision.speedup = 1
          decision.parametersChangePercent = 0
          decision.flopsChangePercent = 0
        }
      }
      decisions.append(decision)
    }
    return ThreadConfigSweep(
      config: config, binding: binding, references: references, ranks: ranks.map(\.1), timings: timings,
      decisions: decisions)
  }

  static func snapshot(_ layer: LayerSpec, ratio: Double) -> LayerSpecSnapshot {
    let alpha = (try? RankSelection.factorization(for: layer, ratio: ratio))?.description ?? "n/a"
    return LayerSpecSnapshot(
      name: layer.name, shape: layer.shapeDescription, inChannels: layer.inChannels,
      outChannels: layer.outChannels,
      kernel: layer.kernel, parameters: layer.parameterCount, macsPerImage: layer.macsPerImage,
      decomposition: layer.shape.hasOneByOneKernel ? "svd" : "tucker2", alphaRank: alpha)
  }
}
