import Foundation
import Support

/// Baseline A versus candidate B measured as pairs: A and B take one sample each per round, in a
/// balanced order (ABBA/BAAB), so sample i of A and sample i of B saw the same machine state.
///
/// * Per pair, the log ratio dᵢ = ln(bᵢ / aᵢ). `ratio` (> 1: B is slower) is exp(median d), the
///   typical per-pair ratio; drift that moves both members of a pair cancels.
/// * `ratioCI`: 95% percentile bootstrap of that estimate resampling ABBA blocks (two consecutive
///   rounds, one AB and one BA, kept together), 2,000 replicates, fixed seed: the same samples always
///   give the same interval. Chosen by `lrd-bench estimator-study` on recorded A/A measurements: it
///   flagged 4.5% of them at the 95% level (a moving-block bootstrap of single pairs flagged 8%, the
///   ratio of minimums 14%) while staying as narrow and detecting every injected 3% slowdown. Those
///   measurements had at least `bootstrapMinimumPairs` pairs; with fewer (a budget-stopped point, a
///   training network) a percentile bootstrap of a median under-covers, so the CI is then the exact
///   order-statistics interval of the ABBA blocks' mean log ratios (the interval the stop rule uses),
///   widened to hold the estimate; `ratioCI.method` and `usesExactInterval` say which one a figure carries.
/// * `wilcoxonP`: two-sided Wilcoxon signed-rank test of median d = 0 (exact for n ≤ 25, normal
///   approximation with tie and continuity corrections above). Reported where a decision uses it.
/// * `halvesDifference`: the estimate from the first half of the rounds against the second; with the
///   CI's width it flags unstable points (nanobench-style) instead of presenting them as precise.
/// Mann–Whitney U is for unpaired samples (two separate runs) and lives in `UnpairedComparison`.
package struct PairedComparison: Codable, Sendable, Equatable {
  /// Statistics of A's samples (seconds per call).
  package var baseline: SampleStatistics
  /// Statistics of B's samples (seconds per call).
  package var candidate: SampleStatistics
  /// Pairs measured (one sample of each per round).
  package var pairs: Int
  /// B's time ÷ A's: exp(median of the per-pair log ratios).
  package var ratio: Double
  /// The ratio's 95% CI (block bootstrap).
  package var ratioCI: ConfidenceInterval
  /// Rounds per resampled block (2: an ABBA block).
  package var blockLength: Int
  /// True when `ratioCI` is the exact order-statistics interval (fewer than `bootstrapMinimumPairs` pairs);
  /// nil in results written before the choice existed (bootstrap).
  package var usesExactInterval: Bool?
  /// Two-sided Wilcoxon signed-rank p-value of the log ratios.
  package var wilcoxonP: Double
  /// How the ratio, CI and test were computed, in words (printed in every report).
  package var method: String
  /// |ratio of the first half's estimate to the second half's − 1| (nil with fewer than 8 pairs).
  package var halvesDifference: Double?
  /// For a comparison pooled over passes (measurements of the same pair at different times of a run): each
  /// pass's own ratio, in pass order; nil for one measurement.
  package var passRatios: [Double]?

  /// 1 / ratio: how many times faster B is.
  package var speedup: Double { 1 / ratio }

  /// Half the CI's width on the log scale, as a fraction: √(upper/lower) − 1 (±x% of the ratio).
  package var relativeHalfWidth: Double {
    ratioCI.lower > 0 ? (ratioCI.upper / ratioCI.lower).squareRoot() - 1 : .infinity
  }

  /// Too noisy to present as precise: the CI is wider than ±5%, or the two halves of the measurement
  /// disagree by more than 2%.
  package var isUnstable: Bool { relativeHalfWidth > 0.05 || (halvesDifference ?? 0) > 0.02 }

  /// The fewest pairs for which the block bootstrap's coverage was checked; below, the exact interval is used.
  package static let bootstrapMinimumPairs = 30

  /// The method in words, as reports print it.
  package static let methodDescription =
    "paired samples in balanced order (ABBA/BAAB); ratio = exp(median of per-pair log ratios); "
    + "95% CI by bootstrap of ABBA blocks; Wilcoxon signed-rank test on the log ratios"

  /// Compares paired samples; `a[i]` and `b[i]` were taken in the same round.
  package init(baseline a: [Double], candidate b: [Double], replicates: Int = 2000, seed: UInt64 = 0x5EED) {
    self.init(passes: [(a, b)], replicates: replicates, seed: seed)
  }

  /// Compares paired samples measured in several passes (the same pair measured at different times of a run).
  ///
  /// The passes are pooled: the ratio is exp(median) of every pass's log ratios together, and the CI comes from a two-stage
  /// bootstrap — passes resampled with replacement, then ABBA blocks within each drawn pass — so it widens
  /// with the spread between passes as well as with the noise within them. One pass is the plain comparison.
  package init(
    passes: [(baseline: [Double], candidate: [Double])], replicates: Int = 2000, seed: UInt64 = 0x5EED
  ) {
    let a = passes.flatMap(\.baseline)
    let b = passes.flatMap(\.candidate)
    precondition(!a.isEmpty && !b.isEmpty, "comparison of empty samples")
    baseline = SampleStatistics(a)
    candidate = SampleStatistics(b)
    let groups = passes.map { Self.logRatios($0.baseline, $0.candidate) }.filter { !$0.isEmpty }
    let d = groups.flatMap { $0 }
    pairs = d.count
    ratio = exp(Estimators.median(d))
    blockLength = 2
    let exact = d.count < Self.bootstrapMinimumPairs
    usesExactInterval = exact
    ratioCI =
      exact
      ? Self.exactInterval(groups, containing: ratio)
      : Self.blockBootstrap(groups, replicates: replicates, seed: seed)
    wilcoxonP = Self.wilcoxonSignedRankP(d)
    method =
      (exact
        ? Self.methodDescription.replacingOccurrences(
          of: "95% CI by bootstrap of ABBA blocks",
          with: "95% CI from the exact order statistics of the ABBA blocks' log ratios (fewer than "
            + "\(Self.bootstrapMinimumPairs) pairs)")
        : Self.methodDescription)
      + (groups.count > 1
        ? "; pooled over \(groups.count) passes" + (exact ? "" : " (CI: passes, then blocks, resampled)")
        : "")
    passRatios = groups.count > 1 ? groups.map { exp(Estimators.median($0)) } : nil
    let half = d.count / 4 * 2
    halvesDifference =
      half >= 4
      ? abs(exp(Estimators.median(Array(d[0..<half])) - Estimators.median(Array(d[half..<(2 * half)]))) - 1)
      : nil
  }

  /// The CI excludes 1 (B differs from A at the 95% level).
  package var isSignificant: Bool { !ratioCI.contains(1) }

  /// B is faster than A with confidence (the CI lies below 1 − `margin`).
  package func isImprovement(margin: Double = 0) -> Bool { ratioCI.upper < 1 - margin }

  /// B is slower than A with confidence (the CI lies above 1 + `margin`).
  package func isRegression(margin: Double = 0) -> Bool { ratioCI.lower > 1 + margin }

  /// ln(bᵢ/aᵢ) over the pairs present in both (non-positive times are skipped).
  package static func logRatios(_ a: [Double], _ b: [Double]) -> [Double] {
    zip(a, b).compactMap { x, y in x > 0 && y > 0 ? log(y / x) : nil }
  }

  /// ⌈n^⅓⌉, at least 1: a moving-block length for autocorrelated series.
  package static func blockLength(_ n: Int) -> Int {
    max(1, Int(pow(Double(max(n, 1)), 1.0 / 3).rounded(.up)))
  }

  /// Percentile interval of exp(median) over bootstrap resamples of whole ABBA blocks (pairs 2k and
  /// 2k + 1 together; an odd last pair is a block of its own).
  ///
  /// With several groups (passes) each replicate first draws as many groups with replacement, then resamples
  /// each drawn group's blocks up to its size; one group is the plain block bootstrap.
  static func blockBootstrap(_ groups: [[Double]], replicates: Int, seed: UInt64) -> ConfidenceInterval {
    var passes = PassBlocks(groups)
    guard passes.count > 1 else {
      let value = exp(groups.first?.first ?? .nan)
      return ConfidenceInterval(lower: value, upper: value, level: 0, method: "one pair: no interval")
    }
    var rng = SplitMix64(seed: seed)
    var estimates = (0..<replicates).map { _ in passes.resampledMedian(using: &rng) }
    estimates.sort()
    return ConfidenceInterval(
      lower: exp(SampleStatistics.quantile(estimates, 0.025)),
      upper: exp(SampleStatistics.quantile(estimates, 0.975)),
      level: 0.95,
      method: passes.passCount > 1
        ? "bootstrap of \(passes.passCount) passes, then of ABBA blocks within each (\(passes.blockCount) blocks "
          + "of 2 rounds), \(replicates) replicates"
        : "bootstrap of ABBA blocks (\(passes.blockCount) blocks of 2 rounds), \(replicates) replicates")
  }

  /// The mean log ratio of each ABBA block (pairs 2k and 2k + 1; an odd last pair is no block), sorted:
  /// what the sampler's stop rule and the exact interval take order statistics of.
  package static func blockLogRatios(_ d: [Double]) -> [Double] {
    stride(from: 0, to: d.count - 1, by: 2).map { (d[$0] + d[$0 + 1]) / 2 }.sorted()
  }

  /// The exact 95% interval of the median of the ABBA blocks' mean log ratios, from order statistics.
  ///
  /// Blocks as `blockLogRatios` (of each group); the interval is exponentiated and widened to hold
  /// `estimate`. Fewer than 6 blocks cannot reach 95%: it is then their range, with the level it has.
  static func exactInterval(_ groups: [[Double]], containing estimate: Double) -> ConfidenceInterval {
    let blocks = groups.flatMap(blockLogRatios).sorted()
    guard let first = blocks.first, let last = blocks.last else {
      return ConfidenceInterval(lower: .nan, upper: .nan, level: 0, method: "no pairs: no interval")
    }
    let n = blocks.count
    let k = SampleStatistics.orderStatisticRank(n: n, alpha: 0.05)
    let low = k >= 1 ? blocks[k - 1] : first
    let high = k >= 1 ? blocks[n - k] : last
    let level = k >= 1 ? 0.95 : 1 - 2 * pow(0.5, Double(n))
    return ConfidenceInterval(
      lower: min(exp(low), estimate), upper: max(exp(high), estimate), level: level,
      method: k >= 1
        ? "exact order statistics of \(n) ABBA-block log ratios"
        : "range of \(n) ABBA-block log ratios (too few for 95%)")
  }

  /// Two-sided p of the Wilcoxon signed-rank test that the median of `d` is 0 (zeros dropped).
  package static func wilcoxonSignedRankP(_ d: [Double]) -> Double {
    let nonzero = d.filter { $0 != 0 && $0.isFinite }
    let n = nonzero.count
    guard n > 0 else { return 1 }
    let order = nonzero.indices.sorted { abs(nonzero[$0]) < abs(nonzero[$1]) }
    var ranks = [Double](repeating: 0, count: n)
    var tieTerm = 0.0
    var hasTies = false
    var i = 0
    while i < n {
      var j = i
      while j + 1 < n && abs(nonzero[order[j + 1]]) == abs(nonzero[order[i]]) { j += 1 }
      let average = Double(i + j) / 2 + 1
      for t in i...j { ranks[order[t]] = average }
      let t = Double(j - i + 1)
      if t > 1 { hasTies = true }
      tieTerm += t * t * t - t
      i = j + 1
    }
    let wPlus = zip(nonzero, ranks).reduce(0.0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
    let total = Double(n * (n + 1)) / 2
    if n <= 25 && !hasTies {
      // Exact, from the signed-rank distribution (symmetric, so the smaller tail at min(W+, total − W+)).
      let w = Int(min(wPlus, total - wPlus).rounded())
      return min(1, 2 * SignedRank.signedRankCDF(n)[w])
    }
    let mean = total / 2
    let variance = Double(n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48
    guard variance > 0 else { return 1 }
    let z = max(abs(wPlus - mean) - 0.5, 0) / variance.squareRoot()
    return erfc(z / 2.0.squareRoot())
  }
}
