import Foundation
import Support

/// Two independent sample sets (for example the same point in two separate runs): ratio of medians with a
/// percentile bootstrap CI resampling each set independently, and a Mann–Whitney U test.
package struct UnpairedComparison: Codable, Sendable, Equatable {
  /// Statistics of the first run's samples (seconds per call).
  package var baseline: SampleStatistics
  /// Statistics of the second run's samples (seconds per call).
  package var candidate: SampleStatistics
  /// median(B) / median(A).
  package var ratio: Double
  /// The ratio's 95% CI (percentile bootstrap, resampling each side independently).
  package var ratioCI: ConfidenceInterval
  /// Two-sided Mann–Whitney U p-value.
  package var mannWhitneyP: Double

  /// Compares two independent sample sets with `replicates` bootstrap resamples from a seeded generator.
  package init(baseline a: [Double], candidate b: [Double], replicates: Int = 2000, seed: UInt64 = 0x5EED) {
    precondition(!a.isEmpty && !b.isEmpty, "comparison of empty samples")
    baseline = SampleStatistics(a)
    candidate = SampleStatistics(b)
    ratio = candidate.median / baseline.median
    mannWhitneyP = Self.mannWhitneyP(a, b)
    var rng = SplitMix64(seed: seed)
    var ra = [Double](repeating: 0, count: a.count)
    var rb = [Double](repeating: 0, count: b.count)
    var ratios = [Double]()
    ratios.reserveCapacity(replicates)
    for _ in 0..<replicates {
      for i in ra.indices { ra[i] = a[Int(rng.next() % UInt64(a.count))] }
      for i in rb.indices { rb[i] = b[Int(rng.next() % UInt64(b.count))] }
      ra.sort()
      rb.sort()
      ratios.append(SampleStatistics.quantile(rb, 0.5) / SampleStatistics.quantile(ra, 0.5))
    }
    ratios.sort()
    ratioCI = ConfidenceInterval(
      lower: SampleStatistics.quantile(ratios, 0.025), upper: SampleStatistics.quantile(ratios, 0.975),
      level: 0.95, method: "percentile bootstrap of the ratio of medians, sets resampled independently")
  }

  /// Two-sided p-value of the Mann–Whitney U test (normal approximation with tie correction).
  package static func mannWhitneyP(_ a: [Double], _ b: [Double]) -> Double {
    let n1 = Double(a.count)
    let n2 = Double(b.count)
    let all = (a.map { ($0, 0) } + b.map { ($0, 1) }).sorted { $0.0 < $1.0 }
    var ranks = [Double](repeating: 0, count: all.count)
    var tieTerm = 0.0
    var i = 0
    while i < all.count {
      var j = i
      while j + 1 < all.count && all[j + 1].0 == all[i].0 { j += 1 }
      let average = Double(i + j) / 2 + 1
      for t in i...j { ranks[t] = average }
      let t = Double(j - i + 1)
      tieTerm += t * t * t - t
      i = j + 1
    }
    var rankSumB = 0.0
    for (index, entry) in all.enumerated() where entry.1 == 1 { rankSumB += ranks[index] }
    let u = rankSumB - n2 * (n2 + 1) / 2
    let n = n1 + n2
    let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
    guard variance > 0 else { return 1 }
    let z = max(abs(u - n1 * n2 / 2) - 0.5, 0) / variance.squareRoot()
    return erfc(z / 2.0.squareRoot())
  }
}
