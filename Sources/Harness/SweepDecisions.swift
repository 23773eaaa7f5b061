import Decomposition
import Machine
import Networks

/// Step 2 of a sweep: the policies' decisions for one thread config, a pure function of the measured
/// points (no measurement, no output).
enum SweepDecisions {
  static func make(
    plan: SweepPlan, layer: LayerSpec, config: ThreadConfig, binding: BindingRecord,
    results: [String: PointResult], originalFlops: Int
  ) throws -> ThreadConfigSweep {
    var references: [PointResult] = []
    var ranks: [PointResult] = []
    var anchor: PointResult?
    for task in SweepTask.schedule(plan) where task.config == config {
      guard let result = results[task.id] else { continue }
      switch task.kind {
      case .reference: references.append(result)
      case .rank: ranks.append(result)
      case .anchor: anchor = result
      case .confirmation: break
      }
    }
    references.sort { $0.sequence < $1.sequence }
    ranks.sort { ($0.spec.factorization.primaryRank ?? 0) > ($1.spec.factorization.primaryRank ?? 0) }
    let timings = ranks.compactMap { timing($0, originalFlops: originalFlops) }
    let anchorTiming = anchor.flatMap { timing($0, originalFlops: originalFlops) }
    let decisions = plan.policies.map { policy in
      decision(
        policy, policy.decide(timings, anchor: anchorTiming, tolerance: plan.tieTolerance), plan: plan,
        layer: layer)
    }
    return ThreadConfigSweep(
      config: config, binding: binding, references: references, ranks: ranks, anchor: anchor,
      timings: timings,
      anchorTiming: anchorTiming, decisions: decisions)
  }

  /// What the policies see of one paired point.
  static func timing(_ result: PointResult, originalFlops: Int) -> RankTiming? {
    guard let rank = result.spec.factorization.primaryRank, let comparison = result.comparison else {
      return nil
    }
    let own = result.measurement.statistics
    return RankTiming(
      rank: rank, flops: Double(result.flopsPerCall), referenceFlops: Double(originalFlops),
      median: own.median,
      lower: own.medianCI.lower, upper: own.medianCI.upper, referenceMedian: comparison.baseline.median,
      ratio: comparison.ratio, ratioLower: comparison.ratioCI.lower, ratioUpper: comparison.ratioCI.upper)
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
        decision.policy.candidates(config.timings, anchor: config.anchorTiming, tolerance: plan.tieTolerance)
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
