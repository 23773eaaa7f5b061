import Foundation

/// Baseline A versus candidate B, measured interleaved (A B A B …) so slow drift affects both.
///
/// * `ratio` = median(B) / median(A) (> 1: B is slower); `speedup` = 1 / ratio.
/// * `ratioCI`: 95% percentile bootstrap of the ratio of medians, resampling the (A, B) pairs
///   together (keeps the pairing that interleaving created); 2,000 replicates, fixed seed, so the
///   same samples always give the same interval.
/// * `pValue`: two-sided Mann–Whitney U test (normal approximation, tie and continuity corrected).
/// A difference is significant when p < 0.05 and the ratio CI excludes 1; `isRegression` further
/// asks for the ratio to exceed 1 + threshold, so tiny but real changes are not flagged.
public struct PairedComparison: Codable, Sendable, Equatable {
  public var baseline: SampleStatistics
  public var candidate: SampleStatistics
  public var ratio: Double
  public var ratioCI: ConfidenceInterval
  public var pValue: Double
  public var method: String

  public var speedup: Double { 1 / ratio }

  /// Compares paired samples; `a[i]` and `b[i]` were taken next to each other.
  public init(baseline a: [Double], candidate b: [Double], replicates: Int = 2000, seed: UInt64 = 0x5EED) {
    precondition(!a.isEmpty && !b.isEmpty, "comparison of empty samples")
    baseline = SampleStatistics(a)
    candidate = SampleStatistics(b)
    ratio = candidate.median / baseline.median
    pValue = Self.mannWhitneyP(a, b)
    ratioCI = Self.bootstrapRatio(a, b, replicates: replicates, seed: seed)
    method = "interleaved ABAB; bootstrap of ratio of medians over pairs; Mann-Whitney U"
  }

  /// p < alpha and the ratio CI excludes 1.
  public func isSignificant(alpha: Double = 0.05) -> Bool { pValue < alpha && !ratioCI.contains(1) }

  /// B is significantly slower than A by more than `threshold` (e.g. 0.02 for 2%).
  public func isRegression(threshold: Double, alpha: Double = 0.05) -> Bool {
    isSignificant(alpha: alpha) && ratio > 1 + threshold
  }

  /// B is significantly faster than A by more than `threshold`.
  public func isImprovement(threshold: Double, alpha: Double = 0.05) -> Bool {
    isSignificant(alpha: alpha) && ratio < 1 / (1 + threshold)
  }

  static func bootstrapRatio(_ a: [Double], _ b: [Double], replicates: Int, seed: UInt64)
    -> ConfidenceInterval
  {
    let pairs = min(a.count, b.count)
    var state = seed
    func next() -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(pairs))
    }
    var ra = [Double](repeating: 0, count: pairs)
    var rb = [Double](repeating: 0, count: pairs)
    var ratios = [Double]()
    ratios.reserveCapacity(replicates)
    for _ in 0..<replicates {
      for i in 0..<pairs {
        let j = next()
        ra[i] = a[j]
        rb[i] = b[j]
      }
      ra.sort()
      rb.sort()
      ratios.append(SampleStatistics.quantile(rb, 0.5) / SampleStatistics.quantile(ra, 0.5))
    }
    ratios.sort()
    return ConfidenceInterval(
      lower: SampleStatistics.quantile(ratios, 0.025), upper: SampleStatistics.quantile(ratios, 0.975),
      level: 0.95,
      method: "percentile bootstrap over \(pairs) pairs, \(replicates) replicates")
  }

  /// Two-sided p-value of the Mann–Whitney U test (normal approximation with tie correction).
  public static func mannWhitneyP(_ a: [Double], _ b: [Double]) -> Double {
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
    let mean = n1 * n2 / 2
    let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
    guard variance > 0 else { return 1 }
    let z = max(abs(u - mean) - 0.5, 0) / variance.squareRoot()
    return erfc(z / 2.0.squareRoot())
  }
}
