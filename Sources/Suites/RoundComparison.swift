import Foundation
import Statistics

/// One point of an A/B run compared over rounds: the unit of replication is the round, never a sample.
///
/// In round j each build's samples of the point give one median; d_j = ln(new_j / base_j). Drift that both
/// builds see in the same round cancels in d_j. The estimate is exp(Hodges–Lehmann of d) — the median of the
/// Walsh averages (d_i + d_j)/2, i ≤ j — with the distribution-free CI from inverting the exact Wilcoxon
/// signed-rank test (order statistics of the Walsh averages; with fewer than 6 rounds its coverage is below
/// 95% and `level` says what it is): it assumes only that d is symmetric about its centre and is about as
/// efficient as the t interval for normal d (the sign test's order-statistics interval is about 1.25×
/// wider). The p-value is the exact two-sided sign test of median d = 0: a round hit by a phase change of
/// the machine between its two measurements counts as one round against, whatever its size (in the
/// signed-rank test it would carry the largest rank; measured here: one round at −28% among fifteen at
/// +4…+7% gave signed-rank p = 0.005, sign-test p = 0.0005).
package struct RoundComparison: Codable, Sendable, Equatable {
  /// What a comparison concludes (shared with `compare`).
  package typealias Verdict = ComparisonVerdict

  package var name: String
  /// Rounds with a sample from both builds.
  package var rounds: Int
  /// exp(Hodges–Lehmann estimate of d): the new build's time ÷ the base build's.
  package var ratio: Double
  /// Lower end of the ratio's CI.
  package var lower: Double
  /// Upper end of the ratio's CI.
  package var upper: Double
  /// The CI's exact coverage (at least 0.95 from 6 rounds on; less with fewer).
  package var level: Double
  /// Exact two-sided sign-test p-value of median d = 0.
  package var p: Double
  /// `p` adjusted by Benjamini–Hochberg over the suite's points.
  package var adjustedP: Double
  /// The verdict at the comparison's threshold.
  package var verdict: Verdict
  /// The smallest relative change this run could have called a regression: the threshold plus the CI's
  /// half-width (relative).
  package var detectable: Double
}

/// Statistics of A/B runs over rounds (`RoundComparison`).
package enum RoundStatistics {
  /// d_j = ln(median(new_j) / median(base_j)) for every round j where both builds have samples (positive and
  /// finite); rounds are matched by index.
  package static func logRatios(base: [[Double]], new: [[Double]]) -> [Double] {
    zip(base, new).compactMap { a, b in
      let a = a.filter { $0 > 0 && $0.isFinite }
      let b = b.filter { $0 > 0 && $0.isFinite }
      guard !a.isEmpty, !b.isEmpty else { return nil }
      return log(Estimators.median(b) / Estimators.median(a))
    }
  }

  /// One point's comparison from its log ratios, before the suite-wide adjustment (`adjustedP` = `p`).
  static func point(name: String, logRatios d: [Double], threshold: Double) -> RoundComparison {
    guard !d.isEmpty else {
      return RoundComparison(
        name: name, rounds: 0, ratio: .nan, lower: .nan, upper: .nan, level: 0, p: 1, adjustedP: 1,
        verdict: .inconclusive, detectable: .infinity)
    }
    let estimate = SignedRank.hodgesLehmann(d)
    let (ratio, lower, upper) = (exp(estimate.estimate), exp(estimate.lower), exp(estimate.upper))
    let p = SignedRank.signTestP(d)
    return RoundComparison(
      name: name, rounds: d.count, ratio: ratio, lower: lower, upper: upper, level: estimate.level, p: p,
      adjustedP: p, verdict: .inconclusive, detectable: threshold + (upper - lower) / 2)
  }

  /// Compares every point (rounds of base and new samples, matched by index) and the suite's geometric mean
  /// (per round the mean of the points' d_j, over rounds where every point has one), adjusts the points'
  /// sign-test p-values by Benjamini–Hochberg, and gives each a verdict at `threshold` and `alpha`.
  package static func compare(
    _ points: [(name: String, base: [[Double]], new: [[Double]])], threshold: Double = 0.03,
    alpha: Double = 0.05
  ) -> (points: [RoundComparison], geometricMean: RoundComparison) {
    let ratios = points.map { logRatios(base: $0.base, new: $0.new) }
    var results = zip(points, ratios).map { point(name: $0.name, logRatios: $1, threshold: threshold) }
    let adjusted = Correction.bh.adjust(results.map(\.p))
    for index in results.indices {
      results[index].adjustedP = adjusted[index]
      results[index].verdict = verdict(results[index], threshold: threshold, alpha: alpha)
    }
    let rounds = ratios.map(\.count).min() ?? 0
    let means = (0..<rounds).map { j in ratios.reduce(0) { $0 + $1[j] } / Double(max(ratios.count, 1)) }
    var mean = point(name: "geometric mean", logRatios: means, threshold: threshold)
    mean.verdict = verdict(mean, threshold: threshold, alpha: alpha)
    return (results, mean)
  }

  /// The verdict of a comparison whose `adjustedP` is set.
  static func verdict(_ c: RoundComparison, threshold: Double, alpha: Double) -> RoundComparison.Verdict {
    guard c.rounds > 0 else { return .inconclusive }
    if c.lower > 1 + threshold && c.adjustedP < alpha { return .regression }
    if c.upper < 1 - threshold && c.adjustedP < alpha { return .improvement }
    if c.lower >= 1 - threshold && c.upper <= 1 + threshold { return .unchanged }
    return .inconclusive
  }
}
