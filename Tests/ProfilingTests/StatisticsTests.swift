import Foundation
import Profiling
import Tensors
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
      if c.isRegression(threshold: 0.02) { flagged += 1 }
      #expect(c.ratio > 1.03 && c.ratio < 1.17)
    }
    #expect(flagged >= 48, "flagged \(flagged) of 50")
  }

  @Test func doesNotFlagAVersusA() {
    var rng = SplitMix64(seed: 8)
    var flagged = 0
    let repeats = 100
    for _ in 0..<repeats {
      let a = noisySamples(30, center: 1.0, sigma: 0.03, using: &rng)
      let b = noisySamples(30, center: 1.0, sigma: 0.03, using: &rng)
      if PairedComparison(baseline: a, candidate: b, replicates: 400).isSignificant() { flagged += 1 }
    }
    #expect(flagged <= 8, "A vs A flagged \(flagged) of \(repeats)")
  }

  @Test func mannWhitneyOfSeparatedSamplesIsSmall() {
    let p = PairedComparison.mannWhitneyP([1, 2, 3, 4, 5, 6, 7, 8], [11, 12, 13, 14, 15, 16, 17, 18])
    #expect(p < 0.001)
    #expect(PairedComparison.mannWhitneyP([1, 2, 3], [1, 2, 3]) > 0.9)
  }

  @Test func driftAffectsBothSidesOfInterleavedPairs() {
    // A slow linear drift of +20% over the run: interleaving keeps the ratio near 1.
    var rng = SplitMix64(seed: 9)
    var a: [Double] = []
    var b: [Double] = []
    for i in 0..<60 {
      let drift = 1 + 0.2 * Double(i) / 60
      a.append(drift * exp(0.01 * rng.nextGaussian()))
      b.append(drift * exp(0.01 * rng.nextGaussian()))
    }
    let c = PairedComparison(baseline: a, candidate: b, replicates: 500)
    #expect(abs(c.ratio - 1) < 0.03)
  }
}
