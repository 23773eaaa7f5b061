import Foundation
import Statistics
import Suites
import Testing

/// Synthetic A/B rounds: in round j both builds see the same machine factor drift[j] (the drift a shared VM
/// imposes on whole stretches of time); each sample adds its own noise.
private struct Rounds {
  var generator: SystemRandomNumberGeneratorSeeded

  mutating func point(
    rounds: Int, change: Double, noise: Double, drift: [Double], samples: Int = 5
  ) -> (base: [[Double]], new: [[Double]]) {
    var base: [[Double]] = []
    var new: [[Double]] = []
    for j in 0..<rounds {
      base.append((0..<samples).map { _ in 0.010 * drift[j] * (1 + noise * generator.uniform()) })
      new.append(
        (0..<samples).map { _ in 0.010 * drift[j] * (1 + change) * (1 + noise * generator.uniform()) })
    }
    return (base, new)
  }
}

/// A seeded generator (SplitMix64) returning uniforms in [−1, 1).
private struct SystemRandomNumberGeneratorSeeded {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 52) - 1 }
}

@Suite("A/B comparison over rounds")
struct RoundComparisonTests {
  /// A drift of 1× to 3× between rounds (the bimodal 2-thread phases measured on this VM) shared by both builds.
  let drift: [Double] = [1, 3, 1, 2.8, 1.1, 3, 1, 1, 2.9, 1, 3, 1.2]

  @Test func sharedDriftCancelsAndARealChangeIsFound() {
    var rounds = Rounds(generator: .init(state: 1))
    let same = rounds.point(rounds: 12, change: 0, noise: 0.005, drift: drift)
    let slower = rounds.point(rounds: 12, change: 0.05, noise: 0.005, drift: drift)
    let faster = rounds.point(rounds: 12, change: -0.06, noise: 0.005, drift: drift)
    let result = RoundStatistics.compare(
      [
        ("same", same.base, same.new), ("slower", slower.base, slower.new),
        ("faster", faster.base, faster.new),
      ])
    #expect(result.points[0].verdict == .unchanged, "\(result.points[0])")
    #expect(abs(result.points[0].ratio - 1) < 0.01)
    #expect(result.points[1].verdict == .regression, "\(result.points[1])")
    #expect(abs(result.points[1].ratio - 1.05) < 0.01)
    #expect(result.points[2].verdict == .improvement, "\(result.points[2])")
    #expect(result.points.allSatisfy { $0.rounds == 12 && $0.level >= 0.95 })
    // The suite's geometric mean over the same rounds: (1 + 0.05 − 0.06)^(1/3) ≈ 0.997, within ±3%.
    #expect(result.geometricMean.rounds == 12)
    #expect(result.geometricMean.verdict == .unchanged, "\(result.geometricMean)")
  }

  @Test func aNoisyPointIsInconclusiveNeverUnchanged() {
    var rounds = Rounds(generator: .init(state: 2))
    for seed in 0..<20 {
      rounds.generator.state = UInt64(seed)
      let noisy = rounds.point(rounds: 8, change: 0, noise: 0.4, drift: drift, samples: 1)
      let c = RoundStatistics.compare([("noisy", noisy.base, noisy.new)]).points[0]
      #expect(c.verdict == .inconclusive, "seed \(seed): \(c)")
      #expect(
        c.detectable > 0.03 + 0.05,
        "seed \(seed): the detectable change \(c.detectable) is the threshold plus the CI")
    }
  }

  @Test func theSignedRankTestIsExact() {
    // All of n values positive: T⁺ is the largest sum, P = 2 · 2⁻ⁿ.
    #expect(abs(SignedRank.signedRankP([1, 2, 3, 4, 5, 6, 7, 8]) - 2.0 / 256) < 1e-12)
    // n = 3, T⁺ = 1 (only the smallest positive): P(T ≤ 1) = 2/8, two-sided 0.5.
    #expect(abs(SignedRank.signedRankP([0.1, -2, -3]) - 0.5) < 1e-12)
    #expect(SignedRank.signedRankP([]) == 1)
    #expect(SignedRank.signedRankP([0, 0]) == 1)
    // The null distribution: n = 4 has 16 sign patterns; P(T ≤ 2) = #{∅, {1}, {2}} / 16.
    let cdf = SignedRank.signedRankCDF(4)
    #expect(cdf.count == 11 && abs(cdf[2] - 3.0 / 16) < 1e-12 && abs(cdf[10] - 1) < 1e-12)
    // n = 16: the 5% two-sided critical value is 29 (P(T ≤ 29) ≤ 2.5% < P(T ≤ 30)).
    let sixteen = SignedRank.signedRankCDF(16)
    #expect(sixteen[29] <= 0.025 && sixteen[30] > 0.025)
    #expect(RoundStatistics.logRatios(base: [[1, 2, 3], [], [4]], new: [[4], [1], [0, 8]]).count == 2)
  }

  @Test func theSignTestIsExactAndIgnoresTheSizeOfAnOutlier() {
    #expect(abs(SignedRank.signTestP([1, 1, 1, 1, 1, 1, 1, 1]) - 2.0 / 256) < 1e-12)
    #expect(abs(SignedRank.signTestP([1, 1, 1, 1, 1, 1, 1, -1]) - 2 * 9.0 / 256) < 1e-12)
    #expect(SignedRank.signTestP([1, -1]) == 1)
    #expect(SignedRank.signTestP([]) == 1)
    // Fifteen rounds at +4…+7% and one round hit by a phase change (−28%), as measured on a network point:
    // the sign test counts it as one round against (p = 2·17/2¹⁶); the comparison uses it.
    let d = [-0.2835] + (0..<15).map { 0.04 + 0.002 * Double($0) }
    #expect(abs(SignedRank.signTestP(d) - 2 * 17.0 / 65536) < 1e-12)
    #expect(SignedRank.signedRankP(d) > 0.004)
    let point = RoundStatistics.compare([("p", d.map { _ in [1.0] }, d.map { [exp($0)] })]).points[0]
    #expect(point.p == SignedRank.signTestP(d) && point.verdict == .regression)
  }

  @Test func fewerThanSixRoundsNeverDecide() {
    // Five rounds, all 20% slower: the widest CI covers only 1 − 2/32, so no verdict but inconclusive.
    let d = [0.18, 0.19, 0.2, 0.21, 0.22]
    let point = RoundStatistics.compare([("p", d.map { _ in [1.0] }, d.map { [exp($0)] })]).points[0]
    #expect(point.level < 0.95 && point.verdict == .inconclusive)
    let six = d + [0.2]
    let decided = RoundStatistics.compare([("p", six.map { _ in [1.0] }, six.map { [exp($0)] })]).points[0]
    #expect(decided.level >= 0.95 && decided.verdict == .regression)
  }

  @Test func hodgesLehmannIsTheMedianOfWalshAverages() {
    // d = 1, 2, 9: Walsh averages 1, 1.5, 2, 5, 5.5, 9 → median 3.5.
    let estimate = SignedRank.hodgesLehmann([1, 2, 9])
    #expect(estimate.estimate == 3.5)
    // Three values: no 95% interval exists; the widest (min to max Walsh average) covers 1 − 2/8.
    #expect(estimate.lower == 1 && estimate.upper == 9 && estimate.level == 0.75)
    // Sixteen values 1…16: the CI is the 30th smallest and largest of the 136 Walsh averages.
    let values = (1...16).map(Double.init)
    var walsh: [Double] = []
    for i in 0..<16 { for j in i..<16 { walsh.append((values[i] + values[j]) / 2) } }
    walsh.sort()
    let sixteen = SignedRank.hodgesLehmann(values)
    #expect(sixteen.estimate == 8.5 && sixteen.lower == walsh[29] && sixteen.upper == walsh[106])
    #expect(sixteen.level >= 0.95)
  }

  /// 200 null points (no change, 20 rounds each): raw sign tests reject about 5% of them, the
  /// Benjamini–Hochberg adjustment almost none, and no null point is called a regression or improvement.
  @Test func benjaminiHochbergControlsNullPoints() {
    var rounds = Rounds(generator: .init(state: 3))
    let flat = [Double](repeating: 1, count: 20)
    let nulls = (0..<200).map { index -> (name: String, base: [[Double]], new: [[Double]]) in
      let point = rounds.point(rounds: 20, change: 0, noise: 0.05, drift: flat, samples: 1)
      return ("p\(index)", point.base, point.new)
    }
    let result = RoundStatistics.compare(nulls)
    let raw = result.points.filter { $0.p < 0.05 }.count
    let adjusted = result.points.filter { $0.adjustedP < 0.05 }.count
    #expect(raw > 0 && raw < 25, "raw rejections \(raw) of 200")
    #expect(adjusted <= 1, "BH-adjusted rejections \(adjusted) of 200")
    #expect(!result.points.contains { $0.verdict == .regression || $0.verdict == .improvement })
  }
}
