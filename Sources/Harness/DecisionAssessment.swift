import Foundation
import Statistics
import Support

/// How often a policy picks each answer when the sweep is resampled: every rank's paired samples are
/// redrawn (passes, then ABBA blocks within them: the bootstrap behind the points' CIs), the policy is run
/// again on each replicate, and the answers are counted.
///
/// In a replicate a rank's t/T is the resample's estimate and its CI keeps its measured width on the log scale
/// (the CIs are not re-bootstrapped inside each replicate).
package struct DecisionStability: Codable, Sendable, Equatable {
  /// One answer and the share of replicates that gave it.
  package struct Pick: Codable, Sendable, Equatable {
    /// The rank, or nil for ORG.
    package var rank: Int?
    /// Share of replicates, 0…1.
    package var share: Double

    package init(rank: Int?, share: Double) {
      self.rank = rank
      self.share = share
    }

    /// "252" or "ORG".
    package var label: String { rank.map(String.init) ?? "ORG" }
  }

  /// Replicates drawn.
  package var replicates: Int
  /// Share of replicates that pick the reported answer.
  package var share: Double
  /// The most frequent answers other than the reported one, most frequent first (at most three).
  package var runnersUp: [Pick]

  package init(replicates: Int, share: Double, runnersUp: [Pick]) {
    self.replicates = replicates
    self.share = share
    self.runnersUp = runnersUp
  }
}

/// Whether the drop a `paper` decision rests on held up when it was measured again: in every pass of the sweep,
/// and with the chosen rank's check in place of its sweep value.
package struct Reproduction: Codable, Sendable, Equatable {
  /// The deciding drop Δ = t(r + step)/T − t(r)/T measured in each pass; nil with a single pass.
  package var passDrops: [Double]?
  /// t/T of the chosen rank in its check.
  package var checkRatio: Double?
  /// The drop with the check's t/T in place of the sweep's: t(r + step)/T − check; nil when no check ran.
  package var checkDrop: Double?

  package init(passDrops: [Double]?, checkRatio: Double?, checkDrop: Double?) {
    self.passDrops = passDrops
    self.checkRatio = checkRatio
    self.checkDrop = checkDrop
  }

  /// True unless a pass lacks the drop (Δ ≤ 0) or the check makes it vanish.
  package var reproduced: Bool { (passDrops?.allSatisfy { $0 > 0 } ?? true) && (checkDrop ?? 1) > 0 }
}

/// Step 4 of a sweep: each decision's stability under resampling and whether its point reproduced.
enum DecisionAssessment {
  /// Replicates per thread config (each replicate re-runs every policy).
  static let replicates = 400

  /// `config` with every decision's `stability` and `reproduction` filled in.
  static func assess(_ config: ThreadConfigSweep, logRatios: [Int: [[Double]]], plan: SweepPlan)
    -> ThreadConfigSweep
  {
    var assessed = config
    let counts = replicateChoices(
      timings: config.timings, anchor: config.anchorTiming, logRatios: logRatios, plan: plan,
      seed: 0xB007 ^ FNV1a.hash(config.config.label))
    var passRatios: [Int: [Double]] = [:]
    for point in config.ranks + (config.anchor.map { [$0] } ?? []) {
      if let rank = point.spec.factorization.primaryRank, let ratios = point.comparison?.passRatios {
        passRatios[rank] = ratios
      }
    }
    for index in assessed.decisions.indices {
      let decision = assessed.decisions[index]
      let tally = counts[decision.policy] ?? [:]
      let total = Double(max(tally.values.reduce(0, +), 1))
      let others = tally.filter { $0.key != decision.choice.rank }
        .sorted { $0.value != $1.value ? $0.value > $1.value : ($0.key ?? -1) > ($1.key ?? -1) }
        .prefix(3)
        .map { DecisionStability.Pick(rank: $0.key, share: Double($0.value) / total) }
      assessed.decisions[index].stability = DecisionStability(
        replicates: Self.replicates, share: Double(tally[decision.choice.rank] ?? 0) / total,
        runnersUp: Array(others))
      assessed.decisions[index].reproduction = reproduction(
        decision, timings: config.timings, passRatios: passRatios, step: plan.step)
    }
    return assessed
  }

  /// For each policy, how many replicates chose each answer (nil: ORG).
  static func replicateChoices(
    timings: [RankTiming], anchor: RankTiming?, logRatios: [Int: [[Double]]], plan: SweepPlan, seed: UInt64
  ) -> [RankPolicy: [Int?: Int]] {
    guard !timings.isEmpty else { return [:] }
    var blocks = Dictionary(uniqueKeysWithValues: logRatios.map { ($0.key, PassBlocks($0.value)) })
    var rng = SplitMix64(seed: seed)
    var counts: [RankPolicy: [Int?: Int]] = [:]
    func redraw(_ timing: RankTiming) -> RankTiming {
      guard blocks[timing.rank]?.count ?? 0 > 0 else { return timing }
      let scale = exp(blocks[timing.rank]!.resampledMedian(using: &rng)) / timing.ratio
      var copy = timing
      copy.ratio *= scale
      copy.ratioLower *= scale
      copy.ratioUpper *= scale
      copy.median *= scale
      copy.lower *= scale
      copy.upper *= scale
      return copy
    }
    for _ in 0..<replicates {
      let replicate = timings.map(redraw)
      let replicateAnchor = anchor.map(redraw)
      for policy in plan.policies {
        let rank = policy.decide(
          replicate, anchor: replicateAnchor, tolerance: plan.tieTolerance, step: plan.step
        ).rank
        counts[policy, default: [:]][rank, default: 0] += 1
      }
    }
    return counts
  }

  /// The reproduction check of a `paper` decision that chose a drop: the drop per pass (when `passRatios`, each
  /// rank's t/T per pass, has both of its ranks) and with the check's t/T; nil for other decisions (their
  /// checks are reported as they are).
  static func reproduction(
    _ decision: PolicyDecision, timings: [RankTiming], passRatios: [Int: [Double]], step: Int
  ) -> Reproduction? {
    guard decision.policy == .paper || decision.policy == .paperAnchor,
      case .largestDrop(let delta, _) = decision.choice.reason, let rank = decision.choice.rank,
      let chosen = timings.first(where: { $0.rank == rank })
    else { return nil }
    var passDrops: [Double]?
    if let below = passRatios[rank], let above = passRatios[rank + step], above.count == below.count {
      passDrops = zip(above, below).map { $0 - $1 }
    }
    let check = decision.confirmation?.ratio
    return Reproduction(
      passDrops: passDrops, checkRatio: check, checkDrop: check.map { chosen.ratio + delta - $0 })
  }
}
