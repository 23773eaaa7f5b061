import Foundation
import Machine
import Statistics
import Support
import Testing

@testable import Harness

@Suite("Decision stability and reproduction")
struct DecisionAssessmentTests {
  /// Three passes of 24 paired log ratios around ln(ratio) with ±`noise` spread, for each rank.
  func logRatios(_ ratios: [Int: Double], noise: Double) -> [Int: [[Double]]] {
    // Each rank's samples from its own seed: the same samples whatever the dictionary's order.
    Dictionary(
      uniqueKeysWithValues: ratios.map { rank, ratio in
        var rng = SplitMix64(seed: 7 &+ UInt64(rank))
        return (
          rank,
          (0..<3).map { _ in
            (0..<24).map { _ in log(ratio) + noise * (Double(rng.next() % 2001) / 1000 - 1) }
          }
        )
      })
  }

  func timings(_ samples: [Int: [[Double]]]) -> [RankTiming] {
    samples.map { rank, passes in
      let c = PairedComparison(
        passes: passes.map { d in (d.map { _ in 1.0 }, d.map { exp($0) }) })
      return RankTiming(
        rank: rank, flops: Double(rank), referenceFlops: 40, median: c.ratio, lower: c.ratioCI.lower,
        upper: c.ratioCI.upper, referenceMedian: 1, ratio: c.ratio, ratioLower: c.ratioCI.lower,
        ratioUpper: c.ratioCI.upper)
    }
  }

  func plan() -> SweepPlan {
    var plan = tinyPlan(threads: [ThreadConfig(threads: 1, binding: .compact)])
    plan.policies = [.paper]
    return plan
  }

  @Test func aClearCliffIsChosenInAlmostEveryReplicateTwoEqualDropsSplitThem() {
    // 20 → 10, smooth 1% per rank, and a 20% drop stepping down to 16.
    var ratios = Dictionary(uniqueKeysWithValues: (10...20).map { ($0, 0.4 + 0.01 * Double($0)) })
    ratios[16] = ratios[16]! - 0.2
    var samples = logRatios(ratios, noise: 0.01)
    var counts = DecisionAssessment.replicateChoices(
      timings: timings(samples), anchor: nil, logRatios: samples, plan: plan(), seed: 1)[.paper]!
    #expect(Double(counts[16] ?? 0) / Double(DecisionAssessment.replicates) >= 0.95, "\(counts)")

    // A second drop of the same size at 12: the pick moves between them.
    ratios[12] = ratios[12]! - 0.2
    ratios[11] = ratios[11]! - 0.2
    ratios[10] = ratios[10]! - 0.2
    samples = logRatios(ratios, noise: 0.01)
    counts = DecisionAssessment.replicateChoices(
      timings: timings(samples), anchor: nil, logRatios: samples, plan: plan(), seed: 1)[.paper]!
    let share16 = Double(counts[16] ?? 0) / Double(DecisionAssessment.replicates)
    let share12 = Double(counts[12] ?? 0) / Double(DecisionAssessment.replicates)
    #expect(share16 > 0.1 && share12 > 0.1 && share16 + share12 > 0.95, "\(counts)")
  }

  func decision(rank: Int, ratio: Double, check: Double?) -> (PolicyDecision, [RankTiming]) {
    let timing = RankTiming(
      rank: rank, flops: 1, referenceFlops: 2, median: ratio, lower: ratio * 0.99, upper: ratio * 1.01,
      referenceMedian: 1, ratio: ratio, ratioLower: ratio * 0.99, ratioUpper: ratio * 1.01)
    var decision = PolicyDecision(
      policy: .paper,
      choice: RankChoice(rank: rank, timing: timing, reason: .largestDrop(delta: 0.2, anchorUsed: false)),
      factorization: .svd(rank: rank), speedup: 1 / ratio, parametersChangePercent: -50,
      flopsChangePercent: -50)
    if let check {
      let a = (0..<20).map { 1 + 0.001 * Double($0 % 3) }
      decision.confirmation = PairedComparison(baseline: a, candidate: a.map { $0 * check })
    }
    return (decision, [timing])
  }

  @Test func aDropMissingFromOnePassOrACheckOutsideTheSweepsCIIsNotReproduced() {
    let (held, timings) = decision(rank: 16, ratio: 0.6, check: 0.6)
    let steady = DecisionAssessment.reproduction(
      held, timings: timings, passRatios: [17: [0.8, 0.8, 0.8], 16: [0.6, 0.61, 0.59]], step: 1)
    #expect(steady?.reproduced == true && steady?.passDrops?.count == 3 && steady?.checkDrop ?? 0 > 0)

    let oneMinute = DecisionAssessment.reproduction(
      held, timings: timings, passRatios: [17: [0.8, 0.8, 0.8], 16: [0.6, 0.85, 0.6]], step: 1)
    #expect(oneMinute?.reproduced == false)

    // The drop is 20% of T; a check 25 points above the sweep's t/T makes it vanish, one 5 points above does not.
    let (moved, movedTimings) = decision(rank: 16, ratio: 0.6, check: 0.85)
    let check = DecisionAssessment.reproduction(moved, timings: movedTimings, passRatios: [:], step: 1)
    #expect(
      check?.reproduced == false && check?.passDrops == nil && abs((check?.checkDrop ?? 0) + 0.05) < 0.01)
    let (close, closeTimings) = decision(rank: 16, ratio: 0.6, check: 0.65)
    #expect(
      DecisionAssessment.reproduction(close, timings: closeTimings, passRatios: [:], step: 1)?.reproduced
        == true)
    // Only paper's drops are checked this way: other policies' checks are reported as they are.
    var robust = close
    robust.policy = .robust
    #expect(DecisionAssessment.reproduction(robust, timings: closeTimings, passRatios: [:], step: 1) == nil)
  }
}
