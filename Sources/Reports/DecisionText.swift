import Harness
import Statistics

/// The sentences of a sweep's decisions, rendered from the structured reasons and checks.
package enum DecisionText {
  static func percent(_ x: Double) -> String { Format.percent(x, digits: 1) }

  /// Why the policy chose what it chose.
  package static func reason(_ choice: RankChoice, step: Int) -> String {
    let t = choice.timing
    switch choice.reason {
    case .noRanks:
      return "no rank was measured"
    case .largestDrop(let delta, let anchorUsed):
      guard let rank = choice.rank, let t else { return "largest drop" }
      let from = anchorUsed ? " (Δ(R) from the anchor R + \(step))" : ""
      if delta < 0 {
        return "no step down made the layer faster; the smallest slow-down, Δ = \(percent(delta)) of T, "
          + "is at \(rank)\(from); t = \(percent(t.ratio)) of T"
      }
      return
        "largest drop Δ = \(percent(delta)) of T stepping down to \(rank)\(from); t = \(percent(t.ratio)) of T"
    case .largestDropNotFaster(let rank, let delta):
      return
        "R_opt = \(rank) (Δ = \(percent(delta)) of T) is not faster than T (t/T = \(percent(t?.ratio ?? .nan)))"
    case .tiedWithBest(let bestRank, let bestThroughput, let candidates, let margin):
      guard let rank = choice.rank, let t else { return "tied with the best" }
      return "largest rank whose throughput (\(percent(t.relativeThroughput)) of the original's, upper bound "
        + "\(percent(t.relativeThroughputUpper))) reaches \(percent(1 - margin)) of the best's (rank \(bestRank): "
        + "\(percent(bestThroughput))) among the \(candidates) ranks faster than the original with confidence; "
        + "rank \(rank): t/T = \(percent(t.ratio)) [\(percent(t.ratioLower)), \(percent(t.ratioUpper))]"
    case .noneFaster(let closest):
      guard let t else { return "no rank is faster than the original with confidence" }
      return "no rank is faster than the original with confidence: the best, \(closest), has t/T CI "
        + "[\(percent(t.ratioLower)), \(percent(t.ratioUpper))]"
    case .smallestTime:
      return "smallest median time, \(percent(t?.ratio ?? .nan)) of T"
    case .fastestNotFaster(let rank):
      return "fastest rank \(rank) is not faster than T (\(percent(t?.ratio ?? .nan)))"
    }
  }

  /// "chosen in 43% of 400 resampled sweeps; 212 in 31%, ORG in 5%".
  package static func stability(_ decision: PolicyDecision) -> String? {
    guard let s = decision.stability else { return nil }
    let others = s.runnersUp.map { "\($0.label) in \(Format.percent($0.share, digits: 0))" }
    return
      "\(decision.choice.label) chosen in \(Format.percent(s.share, digits: 0)) of \(s.replicates) resampled sweeps"
      + (others.isEmpty ? "" : "; " + others.joined(separator: ", "))
  }

  /// The warning for a decision whose point did not hold up when measured again (nil when it did).
  package static func reproduction(_ decision: PolicyDecision) -> String? {
    guard let r = decision.reproduction, !r.reproduced else { return nil }
    var reasons: [String] = []
    if let drops = r.passDrops, !drops.allSatisfy({ $0 > 0 }) {
      reasons.append(
        "the deciding drop is not in every pass (Δ per pass: "
          + drops.map { Format.signedPercent($0 * 100) }.joined(separator: ", ") + " of T)")
    }
    if let drop = r.checkDrop, drop <= 0, let ratio = r.checkRatio, let t = decision.choice.timing {
      reasons.append(
        "its check measured t/T = \(percent(ratio)) against the sweep's \(percent(t.ratio)): with the check's value "
          + "the drop is \(Format.signedPercent(drop * 100)) of T")
    }
    return "**Not reproduced**: " + reasons.joined(separator: "; ")
  }

  /// "2.088× [2.062×, 2.106×]" for a paired comparison original → candidate; "[…]°" when the CI is the
  /// exact order-statistics interval of a comparison with few pairs (see `exactIntervalNote`).
  package static func speedup(_ c: PairedComparison) -> String {
    "\(Format.ratio(c.speedup)) [\(Format.ratio(1 / c.ratioCI.upper)), \(Format.ratio(1 / c.ratioCI.lower))]"
      + (c.usesExactInterval == true ? "°" : "")
  }

  /// What "°" on a CI means.
  package static let exactIntervalNote =
    "° fewer than \(PairedComparison.bootstrapMinimumPairs) pairs: the CI is the exact order-statistics interval of "
    + "the ABBA blocks' log ratios (the block bootstrap under-covers with so few)."

  /// The check column: how the final check ended and what it changed (its speed-up is the decision's own).
  package static func check(_ decision: PolicyDecision) -> String {
    var text: String
    switch decision.check {
    case .notRun: text = "—"
    case .confirmed: text = "confirmed"
    case .notConfirmed: text = "not significant (choice kept)"
    case .revokedToOriginal: text = "no candidate confirmed → ORG"
    case .interrupted: text = "interrupted: unchecked"
    }
    if !decision.rejected.isEmpty {
      text +=
        "; rejected "
        + decision.rejected.map { "\($0.rank) (\(speedup($0.comparison)))" }.joined(separator: ", ")
    }
    return text
  }
}
