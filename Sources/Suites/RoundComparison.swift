import Foundation
import Profiling

/// One point of an A/B run compared over rounds: the unit of replication is the round, never a sample.
///
/// In round j each build's samples of the point give one median; d_j = ln(new_j / base_j). Drift that both
/// builds see in the same round cancels in d_j. The estimate is exp(median d) with the distribution-free
/// order-statistics CI of the median of d (exact binomial; with few rounds its coverage is below 95% and
/// `level` says what it is), and the p-value is the exact two-sided sign test of median d = 0.
public struct RoundComparison: Codable, Sendable, Equatable {
  /// What a comparison concludes.
  public enum Verdict: String, Codable, Sendable {
    /// The CI lies above 1 + threshold and the FDR-adjusted sign test is significant.
    case regression
    /// The CI lies below 1 − threshold and the FDR-adjusted sign test is significant.
    case improvement
    /// The whole CI lies within ±threshold.
    case unchanged
    /// Neither: this run cannot tell (see `detectable`).
    case inconclusive
  }

  /// The point's name.
  public var name: String
  /// Rounds with a sample from both builds.
  public var rounds: Int
  /// exp(median of d): the new build's time ÷ the base build's.
  public var ratio: Double
  /// Lower end of the ratio's CI.
  public var lower: Double
  /// Upper end of the ratio's CI.
  public var upper: Double
  /// The CI's coverage (0.95, or less with fewer than 6 rounds).
  public var level: Double
  /// Exact two-sided sign-test p-value of median d = 0.
  public var p: Double
  /// `p` adjusted by Benjamini–Hochberg over the suite's points.
  public var adjustedP: Double
  /// The verdict at the comparison's threshold.
  public var verdict: Verdict
  /// The smallest relative change this run could have called a regression: the threshold plus the CI's
  /// half-width (relative).
  public var detectable: Double
}

/// Statistics of A/B runs over rounds (`RoundComparison`).
public enum RoundStatistics {
  /// d_j = ln(median(new_j) / median(base_j)) for every round j where both builds have samples (positive and
  /// finite); rounds are matched by index.
  public static func logRatios(base: [[Double]], new: [[Double]]) -> [Double] {
    zip(base, new).compactMap { a, b in
      let a = a.filter { $0 > 0 && $0.isFinite }
      let b = b.filter { $0 > 0 && $0.isFinite }
      guard !a.isEmpty, !b.isEmpty else { return nil }
      return log(PairedComparison.median(b) / PairedComparison.median(a))
    }
  }

  /// The exact two-sided sign-test p-value of median = 0 for `d` (zeros dropped): 2·P(Bin(n, ½) ≤ min(#+, #−)),
  /// at most 1.
  public static func signTestP(_ d: [Double]) -> Double {
    let positive = d.filter { $0 > 0 }.count
    let negative = d.filter { $0 < 0 }.count
    let n = positive + negative
    guard n > 0 else { return 1 }
    let k = min(positive, negative)
    var cdf = 0.0
    for j in 0...k {
      cdf += exp(
        lgamma(Double(n + 1)) - lgamma(Double(j + 1)) - lgamma(Double(n - j + 1)) + Double(n) * log(0.5))
    }
    return min(1, 2 * cdf)
  }

  /// One point's comparison from its log ratios, before the suite-wide adjustment (`adjustedP` = `p`).
  static func point(name: String, logRatios d: [Double], threshold: Double) -> RoundComparison {
    guard !d.isEmpty else {
      return RoundComparison(
        name: name, rounds: 0, ratio: .nan, lower: .nan, upper: .nan, level: 0, p: 1, adjustedP: 1,
        verdict: .inconclusive, detectable: .infinity)
    }
    let sorted = d.sorted()
    let ci = SampleStatistics(sorted).medianCI
    let (ratio, lower, upper) = (
      exp(SampleStatistics.quantile(sorted, 0.5)), exp(ci.lower), exp(ci.upper)
    )
    let p = signTestP(d)
    return RoundComparison(
      name: name, rounds: d.count, ratio: ratio, lower: lower, upper: upper, level: ci.level, p: p,
      adjustedP: p, verdict: .inconclusive, detectable: threshold + (upper - lower) / 2)
  }

  /// Compares every point (rounds of base and new samples, matched by index) and the suite's geometric mean
  /// (per round the mean of the points' d_j, over rounds where every point has one), adjusts the points'
  /// sign-test p-values by Benjamini–Hochberg, and gives each a verdict at `threshold` and `alpha`.
  public static func compare(
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
