import Foundation
import Statistics
import Support
import Testing

/// Log-normal noise around `center` (spread σ in log space), the usual shape of timing samples.
func noisySamples(_ n: Int, center: Double, sigma: Double, using rng: inout SplitMix64) -> [Double] {
  (0..<n).map { _ in center * exp(sigma * rng.nextGaussian()) }
}

@Suite("Statistics")
struct StatisticsTests {
  @Test func knownValues() {
    let s = SampleStatistics([5, 1, 9, 3, 7, 2, 8, 4, 6])
    #expect(s.count == 9 && s.median == 5 && s.minimum == 1 && s.maximum == 9)
    #expect(s.mean == 5)
    #expect(s.mad == 2)
    #expect(abs(s.p10 - 1.8) < 1e-12 && abs(s.p90 - 8.2) < 1e-12)
    #expect(s.medianCI.lower <= 5 && s.medianCI.upper >= 5)
    #expect(s.outliers == 0)
  }

  @Test func evenCountMedianInterpolates() {
    #expect(SampleStatistics([1, 2, 3, 10]).median == 2.5)
  }

  @Test func outliersAreCountedNotDropped() {
    let s = SampleStatistics([1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 5.0])
    #expect(s.outliers == 1 && s.count == 8 && s.maximum == 5)
  }

  @Test func orderStatisticIntervalForSmallSamples() {
    // n = 10: P(Bin(10, ½) ≤ 1) = 11/1024 ≤ 2.5% < P(≤ 2) = 56/1024, so the CI is [x₂, x₉].
    let s = SampleStatistics((1...10).map(Double.init))
    #expect(s.medianCI.lower == 2 && s.medianCI.upper == 9 && s.medianCI.level == 0.95)
    // Five samples cannot give 95%: [min, max] with its true coverage.
    let tiny = SampleStatistics([1, 2, 3, 4, 5])
    #expect(tiny.medianCI.lower == 1 && tiny.medianCI.upper == 5 && tiny.medianCI.level < 0.95)
  }

  @Test func medianIntervalCoversTheTrueMedianAbout95Percent() {
    var rng = SplitMix64(seed: 42)
    var covered = 0
    let runs = 600
    for _ in 0..<runs {
      // True median of the log-normal is the center, 1.0.
      let s = SampleStatistics(noisySamples(41, center: 1, sigma: 0.05, using: &rng))
      if s.medianCI.contains(1) { covered += 1 }
    }
    let coverage = Double(covered) / Double(runs)
    #expect(coverage > 0.92 && coverage < 0.99, "coverage \(coverage)")
  }
}

@Suite("Paired comparison")
struct PairedComparisonTests {
  @Test func flagsATenPercentSlowdown() {
    var rng = SplitMix64(seed: 7)
    var flagged = 0
    for _ in 0..<50 {
      let a = noisySamples(30, center: 1.0, sigma: 0.03, using: &rng)
      let b = noisySamples(30, center: 1.1, sigma: 0.03, using: &rng)
      let c = PairedComparison(baseline: a, candidate: b, replicates: 400)
      if c.isRegression(margin: 0.02) { flagged += 1 }
      #expect(c.ratio > 1.05 && c.ratio < 1.15)
    }
    #expect(flagged >= 45, "flagged \(flagged) of 50")
  }

  @Test func aVersusAIsFlaggedAboutAsOftenAsTheNominalLevel() {
    var rng = SplitMix64(seed: 8)
    var flagged = 0
    let repeats = 200
    for _ in 0..<repeats {
      let a = noisySamples(30, center: 1.0, sigma: 0.03, using: &rng)
      let b = noisySamples(30, center: 1.0, sigma: 0.03, using: &rng)
      if PairedComparison(baseline: a, candidate: b, replicates: 400).isSignificant { flagged += 1 }
    }
    // Nominal 5%: 10 of 200; allow sampling error, but a CI that ignores half its width fails.
    #expect(flagged <= 20, "A vs A flagged \(flagged) of \(repeats)")
  }

  @Test func wilcoxonMatchesExactTables() {
    // All five differences positive: P(W+ = 15) = 1/32, two-sided 2/32.
    #expect(abs(PairedComparison.wilcoxonSignedRankP([0.1, 0.2, 0.3, 0.4, 0.5]) - 0.0625) < 1e-12)
    // Ranks 1…6 with W+ = 1+2 = 3 (two negatives of the largest): one-sided count of W ≤ 3 is 5 of 64.
    let d = [0.01, 0.02, -0.03, -0.04, -0.05, -0.06]
    #expect(abs(PairedComparison.wilcoxonSignedRankP(d) - 10.0 / 64) < 1e-12)
    #expect(PairedComparison.wilcoxonSignedRankP([0.1, -0.1, 0.2, -0.2]) > 0.8)
  }

  @Test func pairingRemovesDriftThatUnpairedStatisticsCannot() {
    // Machine drift of ±20% (a sine over the run) shared by both members of a pair, 1% own noise, and a
    // true 3% slowdown of B: the paired CI is tight around 1.03 and excludes 1; the unpaired one spans
    // the drift and cannot tell.
    var rng = SplitMix64(seed: 9)
    var a: [Double] = []
    var b: [Double] = []
    for i in 0..<80 {
      let drift = 1 + 0.2 * sin(Double(i) / 6)
      a.append(drift * exp(0.01 * rng.nextGaussian()))
      b.append(1.03 * drift * exp(0.01 * rng.nextGaussian()))
    }
    let paired = PairedComparison(baseline: a, candidate: b, replicates: 500)
    let unpaired = UnpairedComparison(baseline: a, candidate: b, replicates: 500)
    #expect(abs(paired.ratio - 1.03) < 0.01 && paired.isRegression())
    #expect(paired.relativeHalfWidth < 0.01, "paired ±\(paired.relativeHalfWidth)")
    #expect(unpaired.ratioCI.contains(1), "unpaired CI \(unpaired.ratioCI)")
  }

  @Test func mannWhitneyIsForUnpairedSamples() {
    #expect(
      UnpairedComparison.mannWhitneyP([1, 2, 3, 4, 5, 6, 7, 8], [11, 12, 13, 14, 15, 16, 17, 18]) < 0.001)
    #expect(UnpairedComparison.mannWhitneyP([1, 2, 3], [1, 2, 3]) > 0.9)
  }

  @Test func blockLengthGrowsWithTheCubeRoot() {
    #expect(PairedComparison.blockLength(1) == 1 && PairedComparison.blockLength(8) == 2)
    #expect(PairedComparison.blockLength(1000) == 10)
  }
}

@Suite("Comparisons pooled over passes")
struct PooledComparisonTests {
  func samples(_ ratio: Double, count: Int, seed: UInt64) -> (baseline: [Double], candidate: [Double]) {
    var rng = SplitMix64(seed: seed)
    let a = (0..<count).map { _ in 1e-3 * (1 + 0.002 * Double(rng.next() % 1001) / 1000) }
    return (a, a.map { $0 * ratio * (1 + 0.002 * (Double(rng.next() % 1001) / 1000 - 0.5)) })
  }

  @Test func onePassIsThePlainComparison() {
    let s = samples(0.8, count: 30, seed: 1)
    let plain = PairedComparison(baseline: s.baseline, candidate: s.candidate)
    let pooled = PairedComparison(passes: [s])
    #expect(plain == pooled && pooled.passRatios == nil)
  }

  @Test func passesThatDisagreeWidenTheIntervalAndAreReported() {
    let passes = [
      samples(0.76, count: 30, seed: 1), samples(0.80, count: 30, seed: 2), samples(0.84, count: 30, seed: 3),
    ]
    let pooled = PairedComparison(passes: passes)
    let asOne = PairedComparison(
      baseline: passes.flatMap(\.baseline), candidate: passes.flatMap(\.candidate))
    #expect(abs(pooled.ratio - asOne.ratio) < 1e-12 && pooled.pairs == 90)
    #expect(pooled.passRatios?.count == 3 && abs(pooled.passRatios![0] - 0.76) < 0.005)
    // Resampling passes carries their ±5% spread; resampling blocks alone does not.
    #expect(pooled.relativeHalfWidth > 2 * asOne.relativeHalfWidth)
    #expect(pooled.ratioCI.lower < 0.78 && pooled.ratioCI.upper > 0.82)
    #expect(pooled.ratioCI.method.contains("3 passes"))
  }
}

@Suite("Paired comparisons with few pairs")
struct FewPairsTests {
  /// A/A data: `pairs` pairs whose two members come from one skewed distribution (log-normal with
  /// occasional 20% stalls), so the true ratio is 1.
  static func aa(_ pairs: Int, using rng: inout SplitMix64) -> ([Double], [Double]) {
    func sample() -> Double {
      let stall = Double.random(in: 0..<1, using: &rng) < 0.1 ? 1.2 : 1
      return exp(0.02 * rng.nextGaussian()) * stall
    }
    let a = (0..<pairs).map { _ in sample() }
    let b = (0..<pairs).map { _ in sample() }
    return (a, b)
  }

  @Test("fewer pairs than the bootstrap was validated at get the exact interval, and it covers")
  func exactIntervalCovers() {
    var rng = SplitMix64(seed: 7)
    var covered = 0
    let trials = 600
    for _ in 0..<trials {
      let (a, b) = Self.aa(16, using: &rng)
      let comparison = PairedComparison(baseline: a, candidate: b, replicates: 200)
      #expect(comparison.usesExactInterval == true)
      if comparison.ratioCI.contains(1) { covered += 1 }
    }
    // Nominal 95%: the exact interval over 8 blocks is their range (level 99.2%) and covered 594 of 600
    // here; the percentile bootstrap of a median over the same 8 blocks covered 511 (85%).
    #expect(Double(covered) / Double(trials) >= 0.93, "covered \(covered) of \(trials)")
  }

  @Test func enoughPairsKeepTheBlockBootstrap() {
    var rng = SplitMix64(seed: 8)
    let (a, b) = Self.aa(PairedComparison.bootstrapMinimumPairs, using: &rng)
    let comparison = PairedComparison(baseline: a, candidate: b, replicates: 200)
    #expect(comparison.usesExactInterval == false && comparison.ratioCI.method.contains("bootstrap"))
    let few = PairedComparison(baseline: Array(a.prefix(12)), candidate: Array(b.prefix(12)), replicates: 200)
    #expect(
      few.ratioCI.method.contains("exact order statistics") && few.method.contains("exact order statistics"))
    #expect(few.ratioCI.contains(few.ratio), "the interval holds its estimate")
  }
}
