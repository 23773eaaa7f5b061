import Foundation

/// Summary statistics of one point's samples (seconds per call, or any positive quantity).
///
/// The 95% CI of the median is distribution-free, from order statistics: with X ~ Bin(n, ½) it is
/// [x₍ₖ₎, x₍ₙ₋ₖ₊₁₎] for the largest k with P(X < k) ≤ 2.5% (exact binomial up to n = 1000, normal
/// approximation above). Fewer than 6 samples cannot reach 95%: the interval is then [min, max]
/// and `medianCI.level` says the coverage it does have. Outliers lie more than 3 scaled MADs
/// (1.4826·MAD) from the median; they are counted, never dropped. Percentiles interpolate linearly.
package struct SampleStatistics: Codable, Sendable, Equatable {
  package var count: Int
  package var minimum: Double
  /// The 10th percentile.
  package var p10: Double
  package var median: Double
  package var mean: Double
  /// The 90th percentile.
  package var p90: Double
  package var maximum: Double
  /// Median absolute deviation (unscaled).
  package var mad: Double
  /// The sample standard deviation (n − 1).
  package var standardDeviation: Double
  /// Coefficient of variation, σ / mean.
  package var cv: Double
  /// The median's 95% CI (distribution-free, from order statistics; see `medianInterval`).
  package var medianCI: ConfidenceInterval
  /// Samples more than 3 × 1.4826 × MAD from the median (kept, only counted).
  package var outliers: Int

  /// Half the CI width relative to the median (the ±x% the sampler aims for).
  package var relativeHalfWidth: Double { median > 0 ? medianCI.width / 2 / median : .infinity }

  /// Statistics of `samples` (must not be empty).
  package init(_ samples: [Double]) {
    precondition(!samples.isEmpty, "statistics of no samples")
    let sorted = samples.sorted()
    let n = sorted.count
    count = n
    minimum = sorted[0]
    maximum = sorted[n - 1]
    median = Self.quantile(sorted, 0.5)
    p10 = Self.quantile(sorted, 0.1)
    p90 = Self.quantile(sorted, 0.9)
    mean = sorted.reduce(0, +) / Double(n)
    let m = mean
    let variance = n > 1 ? sorted.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1) : 0
    standardDeviation = variance.squareRoot()
    cv = mean != 0 ? standardDeviation / mean : 0
    let med = median
    let deviations = sorted.map { abs($0 - med) }.sorted()
    mad = Self.quantile(deviations, 0.5)
    let limit = 3 * 1.4826 * mad
    outliers = limit > 0 ? sorted.filter { abs($0 - med) > limit }.count : 0
    medianCI = Self.medianInterval(sorted)
  }

  /// Linear-interpolation quantile of sorted data (type 7).
  package static func quantile(_ sorted: [Double], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let lower = Int(position.rounded(.down))
    let upper = min(lower + 1, sorted.count - 1)
    let fraction = position - Double(lower)
    return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
  }

  /// The order-statistics CI of the median of sorted data at 95%.
  static func medianInterval(_ sorted: [Double]) -> ConfidenceInterval {
    let n = sorted.count
    let k = orderStatisticRank(n: n, alpha: 0.05)
    guard k >= 1 else {
      let coverage = n >= 1 ? 1 - 2 * pow(0.5, Double(n)) : 0
      return ConfidenceInterval(
        lower: sorted[0], upper: sorted[n - 1], level: coverage,
        method: "order statistics, n too small for 95%")
    }
    return ConfidenceInterval(
      lower: sorted[k - 1], upper: sorted[n - k], level: 0.95,
      method: n <= 1000 ? "order statistics (exact binomial)" : "order statistics (normal approximation)")
  }

  /// Largest k ≥ 1 with P(Bin(n, ½) ≤ k − 1) ≤ alpha/2, or 0 if none.
  package static func orderStatisticRank(n: Int, alpha: Double) -> Int {
    if n > 1000 {
      let z = 1.959963984540054
      return max(Int(((Double(n) - z * Double(n).squareRoot()) / 2).rounded(.down)), 0)
    }
    var cdf = 0.0
    var k = 0
    let logHalfN = Double(n) * log(0.5)
    for j in 0..<n {
      let logPmf = lgamma(Double(n + 1)) - lgamma(Double(j + 1)) - lgamma(Double(n - j + 1)) + logHalfN
      cdf += exp(logPmf)
      if cdf > alpha / 2 { break }
      k = j + 1
    }
    return k
  }
}
