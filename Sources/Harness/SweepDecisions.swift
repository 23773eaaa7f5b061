import Decomposition
import Machine
import Networks
import Statistics

/// What was measured under one thread config of a sweep, by what it measured: the original alone, and each
/// rank's (and the anchor's) passes in pass order.
struct ConfigMeasurements {
  var references: [PointResult] = []
  var rankPasses: [Int: [PointResult]] = [:]
  var anchorPasses: [PointResult] = []

  /// Collects `results` of `tasks` under `config` (tasks not measured are left out).
  init(config: ThreadConfig, tasks: [SweepTask], results: [String: PointResult]) {
    for task in tasks where task.config == config {
      guard let result = results[task.id] else { continue }
      switch task.kind {
      case .reference: references.append(result)
      case .rank(let r, _): rankPasses[r, default: []].append(result)
      case .anchor: anchorPasses.append(result)
      case .confirmation: break
      }
    }
    references.sort { $0.sequence < $1.sequence }
  }

  /// The original's run-wide median: every sample of it taken paired with a rank (all ranks, all passes).
  var originalRunMedian: Double? {
    let samples = (rankPasses.values.joined() + anchorPasses).flatMap { $0.pairedReference?.samples ?? [] }
    return samples.isEmpty ? nil : SampleStatistics.quantile(samples.sorted(), 0.5)
  }

  /// Each rank's per-pass log ratios ln(t/T) (and the anchor's under its rank), for resampling.
  var logRatios: [Int: [[Double]]] {
    var result = rankPasses.mapValues { passes in passes.map(Self.logRatios) }
    if let anchor = anchorPasses.first?.spec.factorization.primaryRank {
      result[anchor] = anchorPasses.map(Self.logRatios)
    }
    return result
  }

  static func logRatios(_ pass: PointResult) -> [Double] {
    PairedComparison.logRatios(pass.pairedReference?.samples ?? [], pass.measurement.samples)
  }
}

/// Step 2 of a sweep: the policies' decisions for one thread config, a pure function of the measured
/// points (no measurement, no output).
enum SweepDecisions {
  static func make(
    plan: SweepPlan, layer: LayerSpec, config: ThreadConfig, binding: BindingRecord,
    measured: ConfigMeasurements, originalFlops: Int
  ) throws -> ThreadConfigSweep {
    let ranks = measured.rankPasses.values.map(PointResult.pooled).sorted {
      ($0.spec.factorization.primaryRank ?? 0) > ($1.spec.factorization.primaryRank ?? 0)
    }
    let anchor = measured.anchorPasses.isEmpty ? nil : PointResult.pooled(measured.anchorPasses)
    let original = measured.originalRunMedian
    let timings = ranks.compactMap { timing($0, originalFlops: originalFlops, originalSeconds: original) }
    let anchorTiming = anchor.flatMap { timing($0, originalFlops: originalFlops, originalSeconds: original) }
    let decisions = plan.policies.map { policy in
      decision(
        policy, policy.decide(timings, anchor: anchorTiming, tolerance: plan.tieTolerance, step: plan.step),
        plan: plan, layer: layer)
    }
    return ThreadConfigSweep(
      config: config, binding: binding, references: measured.references, ranks: ranks, anchor: anchor,
      timings: timings, anchorTiming: anchorTiming, decisions: decisions, originalRunSeconds: original)
  }

  /// What the policies see of one pooled paired point.
  ///
  /// t/T and its CI come from the pairs, and t(r) = (t/T) × T_run,
  /// the ratio times the original's run-wide median (not the point's own median, which carries the machine's
  /// drift at the time it was measured). Without a run-wide median, T is the one measured with the point.
  static func timing(_ result: PointResult, originalFlops: Int, originalSeconds: Double?) -> RankTiming? {
    guard let rank = result.spec.factorization.primaryRank, let comparison = result.comparison else {
      return nil
    }
    let t = originalSeconds ?? comparison.baseline.median
    return RankTiming(
      rank: rank, flops: Double(result.flopsPerCall), referenceFlops: Double(originalFlops),
      median: comparison.ratio * t, lower: comparison.ratioCI.lower * t, upper: comparison.ratioCI.upper * t,
      referenceMedian: t, ratio: comparison.ratio, ratioLower: comparison.ratioCI.lower,
      ratioUpper: comparison.ratioCI.upper)
  }

  /// A decision for `choice`, with its cost changes against the original.
  static func decision(_ policy: RankPolicy, _ choice: RankChoice, plan: SweepPlan, layer: LayerSpec)
    -> PolicyDecision
  {
    let original = FactorizationCost(layer, .original)
    guard let rank = choice.rank else {
      return PolicyDecision(
        policy: policy, choice: choice, factorization: nil, speedup: 1, parametersChangePercent: 0,
        flopsChangePercent: 0)
    }
    let factorization = plan.factorization(for: layer, rank: rank)
    let change = FactorizationCost(layer, factorization).percentChange(from: original)
    return PolicyDecision(
      policy: policy, choice: choice, factorization: factorization, speedup: 1 / (choice.timing?.ratio ?? 1),
      parametersChangePercent: change.parameters, flopsChangePercent: change.flops)
  }
}

/// Step 3 of a sweep: each decision checked by a longer paired measurement against the original (journaled as
/// `confirm` tasks, shared by policies that chose the same rank).
///
/// `robust` falls back to its next candidate when a check finds no significant speed-up (up to
/// `maximumAttempts`), then to ORG; `paper` and `fastest` keep their choice and report the check.
struct DecisionConfirmation {
  let plan: SweepPlan
  let specs: SweepPointSpecs
  let executor: TaskExecutor<SweepTask, PointResult>
  let runner: PointRunner
  let phase: String
  static let maximumAttempts = 3

  func confirm(_ configs: [ThreadConfigSweep]) throws -> [ThreadConfigSweep] {
    var updated = configs
    let checks = Set(
      configs.flatMap { config in
        config.decisions.compactMap { $0.choice.rank.map { "\(config.config)/\($0)" } }
      })
    executor.events(.phase(label: phase + "checks", steps: checks.count))
    for index in updated.indices {
      let config = updated[index]
      for (d, decision) in config.decisions.enumerated() where decision.choice.rank != nil {
        // After an interruption no further check runs: the remaining decisions stand unchecked.
        if executor.interrupted {
          updated[index].decisions[d].check = .interrupted
          continue
        }
        updated[index].decisions[d] = try check(decision, in: config)
      }
    }
    return updated
  }

  func check(_ decision: PolicyDecision, in config: ThreadConfigSweep) throws -> PolicyDecision {
    let candidates =
      decision.policy == .robust
      ? Array(
        decision.policy.candidates(
          config.timings, anchor: config.anchorTiming, tolerance: plan.tieTolerance, step: plan.step
        )
        .prefix(Self.maximumAttempts))
      : [decision.choice]
    var rejected: [RejectedCandidate] = []
    for candidate in candidates {
      guard let rank = candidate.rank else { break }
      let task = SweepTask(config: config.config, kind: .confirmation(rank))
      let finished = try executor.run([task], phase: nil, runner: runner) { task in
        TaskMeasurement(
          point: specs.decomposed(rank, task.config), reference: specs.original(task.config),
          sampler: plan.sampler.withBudget(plan.confirmBudget))
      }
      guard finished, let comparison = executor.results[task.id]?.comparison else {
        var unchecked = decision
        unchecked.check = .interrupted
        unchecked.rejected = rejected
        return unchecked
      }
      if comparison.isImprovement() || decision.policy != .robust {
        var result =
          candidate == decision.choice
          ? decision : SweepDecisions.decision(decision.policy, candidate, plan: plan, layer: specs.layer)
        result.confirmation = comparison
        result.check = comparison.isImprovement() ? .confirmed : .notConfirmed
        result.rejected = rejected
        return result
      }
      rejected.append(RejectedCandidate(rank: rank, comparison: comparison))
    }
    var revoked = SweepDecisions.decision(
      decision.policy, RankChoice(rank: nil, timing: decision.choice.timing, reason: decision.choice.reason),
      plan: plan,
      layer: specs.layer)
    revoked.check = .revokedToOriginal
    revoked.rejected = rejected
    return revoked
  }
}
