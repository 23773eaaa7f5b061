import Foundation

/// Distribution-free tests and estimates for one sample of paired differences d (for example per-round log
/// ratios): the exact sign test, the exact Wilcoxon signed-rank distribution and test, and the Hodges–Lehmann
/// estimate with its signed-rank confidence interval.
package enum SignedRank {
  /// The exact two-sided sign-test p-value of median = 0 for `d` (zeros dropped): 2·P(Bin(n, ½) ≤ min(#+, #−)),
  /// at most 1.
  package static func signTestP(_ d: [Double]) -> Double {
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

  /// P(T ≤ t) for t = 0…n(n+1)/2, T the Wilcoxon signed-rank statistic of n non-zero values under the null
  /// (each rank's sign a fair coin): the exact distribution by dynamic programming, O(n³).
  package static func signedRankCDF(_ n: Int) -> [Double] {
    let total = n * (n + 1) / 2
    var probability = [Double](repeating: 0, count: total + 1)
    probability[0] = 1
    var reach = 0
    for rank in stride(from: 1, through: n, by: 1) {
      reach += rank
      for t in stride(from: reach, through: 0, by: -1) {
        probability[t] = (probability[t] + (t >= rank ? probability[t - rank] : 0)) / 2
      }
    }
    var cdf = probability
    for t in cdf.indices.dropFirst() { cdf[t] += cdf[t - 1] }
    return cdf
  }

  /// The exact two-sided Wilcoxon signed-rank p-value of a shift of 0 for `d` (zeros dropped; tied |d| ranked
  /// in order, which is exact for continuous data): 2·min(P(T ≤ T⁺), P(T ≥ T⁺)), at most 1.
  package static func signedRankP(_ d: [Double]) -> Double {
    let nonzero = d.filter { $0 != 0 }
    let n = nonzero.count
    guard n > 0 else { return 1 }
    let ranked = nonzero.enumerated().sorted { abs($0.element) < abs($1.element) }
    var positive = 0
    for (rank, entry) in ranked.enumerated() where entry.element > 0 { positive += rank + 1 }
    let cdf = signedRankCDF(n)
    let lower = cdf[positive]
    let upper = 1 - (positive > 0 ? cdf[positive - 1] : 0)
    return min(1, 2 * min(lower, upper))
  }

  /// The Hodges–Lehmann estimate of `d`'s centre and its CI from the exact signed-rank distribution: the k-th
  /// smallest and largest Walsh averages, k the largest with P(T ≤ k − 1) ≤ 2.5% (k = 1 when none is), and
  /// the CI's exact coverage 1 − 2·P(T ≤ k − 1).
  package static func hodgesLehmann(_ d: [Double]) -> (
    estimate: Double, lower: Double, upper: Double, level: Double
  ) {
    let n = d.count
    guard n > 0 else { return (.nan, .nan, .nan, 0) }
    var walsh: [Double] = []
    walsh.reserveCapacity(n * (n + 1) / 2)
    for i in 0..<n { for j in i..<n { walsh.append((d[i] + d[j]) / 2) } }
    walsh.sort()
    let cdf = signedRankCDF(n)
    var k = 1
    while k + 1 <= walsh.count / 2 && cdf[k] <= 0.025 { k += 1 }
    let level = 1 - 2 * cdf[k - 1]
    return (SampleStatistics.quantile(walsh, 0.5), walsh[k - 1], walsh[walsh.count - k], level)
  }
}
