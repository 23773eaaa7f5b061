import Foundation
import Harness
import Support
import Testing

/// A timing curve with a fixed relative CI half-width around each median and the original at `reference`.
func curve(_ ranks: ClosedRange<Int>, halfWidth: Double = 0.002, reference: Double, _ time: (Int) -> Double)
  -> [RankTiming]
{
  var timings: [RankTiming] = []
  for r in ranks.reversed() {
    let t = time(r)
    let low = t * (1 - halfWidth)
    let high = t * (1 + halfWidth)
    timings.append(
      RankTiming(
        rank: r, flops: Double(r) * 1e6, referenceFlops: 400e6, median: t, lower: low, upper: high,
        referenceMedian: reference,
        referenceLower: reference * (1 - halfWidth), referenceUpper: reference * (1 + halfWidth)))
  }
  return timings
}

@Suite("Rank policies on synthetic timing curves")
struct RankPolicyTests {
  @Test("a cliff at 256 picks 256", arguments: RankPolicy.allCases)
  func cliff(policy: RankPolicy) {
    // Time proportional to FLOPs, and 15% less from 256 down (the paper's Figure 2: 257 → 256).
    let timings = curve(200...300, reference: 1.2) { r in Double(r) / 300 * (r > 256 ? 1 : 0.85) }
    let choice = policy.decide(timings)
    if policy == .fastest {
      #expect(choice.rank == 200)  // argmin ignores how small the gain is
    } else {
      #expect(choice.rank == 256, "\(policy): \(choice.reason)")
    }
  }

  @Test("an original faster than every rank gives ORG", arguments: RankPolicy.allCases)
  func originalWins(policy: RankPolicy) {
    let timings = curve(150...309, reference: 0.5) { r in 0.6 + Double(r) * 0.001 }
    let choice = policy.decide(timings)
    #expect(choice.isOriginal && choice.label == "ORG", "\(policy): \(choice.reason)")
  }

  @Test func paperAlgorithmTakesTheLargestSingleDrop() {
    // Drops of 1% everywhere except one drop of 5% stepping down to 280.
    let timings = curve(270...290, reference: 2) { r in 1 - Double(290 - r) * 0.01 - (r <= 280 ? 0.04 : 0) }
    #expect(RankPolicy.paper.decide(timings).rank == 280)
  }

  @Test func robustDoesNotDriftToTheSmallestRank() {
    // A smooth curve, time proportional to FLOPs (throughput constant up to ±2% wiggles): every rank
    // is faster than the original and the smallest is fastest, but no rank is hardware-friendlier
    // than another, so robust keeps the α rank while fastest would halve it.
    let timings = curve(155...309, reference: 400) { r in Double(r) * (1 + 0.02 * sin(Double(r))) }
    #expect(RankPolicy.robust.decide(timings).rank == 309)
    #expect(RankPolicy.fastest.decide(timings).rank == 155)
  }

  @Test func robustGoesDownUntilARankBeatsTheOriginal() {
    // Like layer2.0.conv2 here: the α rank 77 is no faster than the original, smaller ranks are.
    // Time ∝ FLOPs (flat throughput); with ±0.2% CIs ranks ≤ 69 are faster with confidence: robust takes 69.
    let timings = curve(39...77, reference: 0.7) { r in Double(r) / 100 }
    #expect(RankPolicy.robust.decide(timings).rank == 69)
    #expect(RankPolicy.fastest.decide(timings).rank == 39)
  }

  @Test func robustPrefersTheLargestRankAmongStatisticalTies() {
    // Flat within noise: every CI overlaps the fastest, so the largest rank (least compression) wins.
    var rng = SplitMix64(seed: 0x9E37_79B9)
    let timings = curve(100...140, halfWidth: 0.03, reference: 1.3) { _ in
      1 + Double(rng.next() >> 40) / Double(1 << 24) * 0.02
    }
    #expect(RankPolicy.robust.decide(timings).rank == 140)
  }

  @Test func robustKeepsTheOriginalWhenTheGainIsWithinNoise() {
    // 1% faster on paper, but CIs of ±3% overlap the original: paper decomposes, robust does not.
    let timings = curve(100...120, halfWidth: 0.03, reference: 1.0) { _ in 0.99 }
    #expect(RankPolicy.paper.decide(timings).rank != nil)
    #expect(RankPolicy.robust.decide(timings).isOriginal)
  }

  @Test(
    "robust applies one margin once: cliffs beyond margin + CI are seen",
    arguments: [(0.03, 0.05, 300), (0.05, 0.05, 300), (0.08, 0.05, 256), (0.05, 0.02, 256)])
  func robustThroughputCliff(cliff: Double, tolerance: Double, expected: Int) {
    // Throughput drops by `cliff` above rank 256 (time ∝ FLOPs × (1 + cliff) there), ±1% CIs (±2% on
    // t/T): within the margin the largest rank ties; beyond it robust stops at the cliff.
    let timings = curve(200...300, halfWidth: 0.01, reference: 2) { r in
      Double(r) / 300 * (r > 256 ? 1 + cliff : 1)
    }
    let choice = RankPolicy.robust.decide(timings, tolerance: tolerance)
    #expect(choice.rank == expected, "cliff \(cliff), tolerance \(tolerance): \(choice.reason)")
  }

  @Test("paper+anchor can choose R through the anchor; paper, as printed, never chooses R")
  func onlyTheAnchorExtensionChoosesR() {
    // The only drop worth having is from R + 1 = 310 to R = 309; without the anchor Δ(309) does not exist.
    let window = curve(300...309, reference: 2) { r in 1 - Double(309 - r) * 0.001 }
    let anchor = curve(310...310, reference: 2) { _ in 1.2 }[0]
    #expect(RankPolicy.paperAnchor.decide(window, anchor: anchor).rank == 309)
    guard
      case .largestDrop(let delta, let anchorUsed) = RankPolicy.paperAnchor.decide(window, anchor: anchor)
        .reason
    else {
      Issue.record("expected the largest drop")
      return
    }
    #expect(abs(delta - 0.1) < 1e-9 && anchorUsed)
    // Algorithm 1 as printed: Δ(R) is undefined, so R is never the choice, with or without an anchor given.
    #expect(RankPolicy.paper.decide(window, anchor: anchor).rank == 308)
    #expect(RankPolicy.paper.decide(window).rank == 308)
  }

  @Test("`all` and the comma list parse the anchor extension by its name")
  func policyNames() throws {
    #expect(try RankPolicy.parseList("paper,paper+anchor") == [.paper, .paperAnchor])
    #expect(try RankPolicy.parseList("all").contains(.paperAnchor))
  }

  @Test func paperWithOnlySlowdownsSaysSo() {
    // Every step down makes the layer slower (noise or a bad window): the largest Δ is negative.
    let timings = curve(100...110, reference: 2) { r in 1 + Double(110 - r) * 0.01 }
    guard case .largestDrop(let delta, _) = RankPolicy.paper.decide(timings).reason else {
      Issue.record("expected a largest-drop reason")
      return
    }
    #expect(delta < 0)
  }

  @Test func robustCandidatesListTiesFirstLargestRankFirst() {
    let timings = curve(200...300, halfWidth: 0.01, reference: 2) { r in
      Double(r) / 300 * (r > 256 ? 1.08 : 1)
    }
    let ranks = RankPolicy.robust.candidates(timings).compactMap(\.rank)
    #expect(ranks.first == 256 && ranks.count == 101)
    #expect(Array(ranks.prefix(3)) == [256, 255, 254])
  }

  @Test func singleRankWindow() {
    let timings = curve(16...16, reference: 2) { _ in 1 }
    for policy in RankPolicy.allCases { #expect(policy.decide(timings).rank == 16) }
    #expect(RankPolicy.paper.decide([]).isOriginal)
  }

  @Test func policyListsParse() throws {
    #expect(try RankPolicy.parseList("paper,robust") == [.paper, .robust])
    #expect(try RankPolicy.parseList("all") == RankPolicy.allCases)
    #expect(throws: HarnessError.self) { try RankPolicy.parseList("paper,magic") }
    #expect(throws: HarnessError.self, "a policy listed twice") {
      try RankPolicy.parseList("paper,robust,paper")
    }
    #expect(throws: HarnessError.self, "a technique listed twice") {
      try Technique.parseList("vanilla,vanilla")
    }
  }
}
