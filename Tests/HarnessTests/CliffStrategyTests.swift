import Foundation
import Machine
import Programs
import Support
import Testing

@testable import Harness

/// A synthetic time-vs-rank curve with cliffs every `period` ranks: t/T = (0.05 + 0.0024·r) × (1 + m_k) off the
/// multiples of `period` (m_k ∈ [3%, 15%], drawn per block), with ±0.3% noise and ±1% CIs — the shape measured
/// on real kernels (a step at each blocking boundary, smooth elsewhere).
///
/// With `decline`, throughput also falls by that fraction per rank above rank 240 (a layer whose larger ranks
/// leave the cache), and `jumps` sets the range of m_k.
struct CliffCurve {
  let period: Int
  let seed: UInt64
  var decline = 0.0
  var jumps = 0.03...0.15

  func timing(_ r: Int) -> RankTiming {
    var block = SplitMix64(seed: seed ^ UInt64((r + period - 1) / period))
    let m = jumps.lowerBound + (jumps.upperBound - jumps.lowerBound) * Double(block.next() % 1000) / 1000
    let jump = r % period == 0 ? 0 : m
    var noise = SplitMix64(seed: seed &* 31 &+ UInt64(r))
    let ratio =
      (0.05 + 0.0024 * Double(r)) * (1 + jump) * (1 + decline * Double(max(0, r - 240)))
      * (1 + 0.003 * (Double(noise.next() % 2001) / 1000 - 1))
    return RankTiming(
      rank: r, flops: Double(r), referenceFlops: 618, median: ratio, lower: ratio * 0.99, upper: ratio * 1.01,
      referenceMedian: 1, ratio: ratio, ratioLower: ratio * 0.99, ratioUpper: ratio * 1.01)
  }
}

@Suite("Cliff-aware sweeps on synthetic curves")
struct CliffStrategyTests {
  /// A plan over layer4.2.conv2's default window (R = 309 → 155, step 1) with both policies.
  func plan() -> SweepPlan {
    var plan = tinyPlan(threads: [ThreadConfig(threads: 1, binding: .compact)])
    (plan.from, plan.to, plan.step, plan.anchor) = (309, 155, 1, nil)
    plan.policies = [.paper, .robust]
    plan.strategy = .cliffs
    return plan
  }

  /// Runs the cliffs strategy's rounds on `curve` as the sweep runner does: the grid's ranks, then refinements
  /// until none is asked for.
  func cliffSweep(_ plan: SweepPlan, grid: CliffGrid, curve: CliffCurve) -> Set<Int> {
    var measured = Set(grid.initialRanks(window: plan.ranks, step: plan.step) { [$0] })
    for _ in 0..<SweepRunner.maximumRounds {
      let next = plan.refinement(timings: measured.map(curve.timing), anchor: nil, measured: measured)
      if next.isEmpty { break }
      measured.formUnion(next)
    }
    return measured
  }

  @Test(
    "cliffs reaches full's decisions for both policies, measuring a fraction of the ranks",
    arguments: [16, 8], [1, 2, 3, 4, 5, 6] as [UInt64])
  func cliffsMatchesFull(period: Int, seed: UInt64) {
    let plan = plan()
    let curve = CliffCurve(period: period, seed: seed)
    let grid = CliffGrid(lanes: 16, source: "test")
    let measured = cliffSweep(plan, grid: grid, curve: curve)
    let full = plan.ranks.map(curve.timing)
    for policy in plan.policies {
      let expected = policy.decide(full, tolerance: plan.tieTolerance, step: 1).rank
      let found = policy.decide(measured.map(curve.timing), tolerance: plan.tieTolerance, step: 1).rank
      #expect(found == expected, "\(policy) on cliffs every \(period) (seed \(seed))")
    }
    #expect(measured.count * 3 < plan.ranks.count, "\(measured.count) of \(plan.ranks.count) ranks measured")
  }

  @Test(
    "a throughput peak between boundaries with small cliffs: refinement climbs to robust's largest tied rank",
    arguments: [16, 8], [2, 8, 9] as [UInt64])
  func refinementFindsATieBetweenBoundaries(period: Int, seed: UInt64) {
    let plan = plan()
    let curve = CliffCurve(period: period, seed: seed, decline: 0.002, jumps: 0.001...0.012)
    let measured = cliffSweep(plan, grid: CliffGrid(lanes: 16, source: "test"), curve: curve)
    let full = plan.ranks.map(curve.timing)
    let expected = RankPolicy.robust.decide(full, tolerance: plan.tieTolerance, step: 1).rank
    #expect(expected.map { $0 % 8 > 1 } == true, "the tied rank \(expected ?? 0) is off the grid")
    for policy in plan.policies {
      #expect(
        policy.decide(measured.map(curve.timing), tolerance: plan.tieTolerance, step: 1).rank
          == policy.decide(full, tolerance: plan.tieTolerance, step: 1).rank, "\(policy)")
    }
  }

  @Test func theGridHoldsTheWindowsEndsEveryBoundaryAndItsSuccessor() {
    let grid = CliffGrid(lanes: 16, source: "test")
    let ranks = grid.initialRanks(window: Array(stride(from: 40, through: 20, by: -1)), step: 1) { [$0] }
    #expect(ranks == [40, 33, 32, 25, 24, 20])
    // Tucker-2: a rank is a boundary when either factor dimension is.
    let tucker = grid.initialRanks(window: Array(stride(from: 36, through: 20, by: -1)), step: 1) {
      [$0, $0 * 3 / 4]
    }
    #expect(tucker == [36, 34, 33, 32, 25, 24, 23, 22, 20])
    #expect(CliffGrid.lanes(.avx512) == 16 && CliffGrid.lanes(.avx2) == 8 && CliffGrid.lanes(.sse42) == 4)
  }

  @Test func refinementAsksForTheUnmeasuredNeighboursOfChoicesAndDrops() {
    let next = CliffGrid.refinement(
      chosen: [300, 309], drops: [256], window: 155...309, step: 1, measured: [300, 309, 256, 257, 258])
    #expect(next == [308, 301, 299, 255])
    #expect(
      CliffGrid.refinement(chosen: [300], drops: [], window: 155...309, step: 1, measured: [299, 300, 301])
        .isEmpty)
  }
}

@Suite("The table's combination search")
struct CombinationSearchTests {
  let optimized = NetworkVariant.Ranks.optimized(directory: "r")

  @Test func everyValidCombinationOfTheMeasuredTechniquesMergingIncludedInInference() {
    let all = Technique.allCases
    let inference = TableStudy.combinations(.inference, techniques: all, optimized: optimized, branches: 4) {
      _ in
      true
    }
    #expect(
      Set(inference.map(\.label)) == [
        "optimized+merged", "optimized+branched:4", "merged+branched:4", "optimized+merged+branched:4",
      ])
    let training = TableStudy.combinations(.training, techniques: all, optimized: optimized, branches: 4) {
      _ in
      true
    }
    #expect(training.count == 11 && training.contains { $0.frozen && $0.merged && $0.branches == 4 })
    // N = 1 is no branching; without ranks no optimized; what the planner refuses is left out.
    let narrow = TableStudy.combinations(.training, techniques: all, optimized: nil, branches: 1) {
      !($0.frozen && $0.merged)
    }
    #expect(narrow.isEmpty)
    let unmeasured = TableStudy.combinations(
      .inference, techniques: [.vanilla, .merged, .combined], optimized: optimized, branches: 4
    ) { _ in true }
    #expect(unmeasured.isEmpty, "only measured techniques are combined")
  }

  /// A speed-up cell of `percent` ± 2 points.
  func cell(_ percent: Double) -> SpeedupCell {
    let json = """
      {"percent": \(percent), "lower": \(percent - 2), "upper": \(percent + 2), "pairs": 10, "unstable": false,
       "imagesPerSecond": 1, "imagesPerSecondLower": 1, "imagesPerSecondUpper": 1, "originalImagesPerSecond": 1}
      """
    return try! JSONDecoder().decode(SpeedupCell.self, from: Data(json.utf8))
  }

  @Test func aBestCombinationBelowATechniqueItCombinesGetsANote() {
    func row(_ technique: Technique, _ inference: Double) -> TechniqueRow {
      TechniqueRow(
        technique: technique, inferenceVariant: nil, trainingVariant: nil, layers: 1,
        parametersChangePercent: 0,
        flopsChangePercent: 0, training: nil, inference: cell(inference))
    }
    var combined = row(.combined, 44.3)
    combined.inferenceAtSelection = cell(47.0)
    let variant = NetworkVariant(ranks: .alpha, merged: true, branches: 4)
    let rows = [row(.merged, 46.6), row(.branched, 51.7), row(.optimized, 60), combined]
    let notes = TableStudy.combinationNotes(rows, best: [.inference: variant])
    #expect(notes.count == 1)
    #expect(notes.first?.contains("Layer merging alone (+46.6%") == true)
    #expect(notes.first?.contains("Layer branching alone (+51.7%") == true)
    #expect(notes.first?.contains("Optimized") == false, "optimized ranks are not part of this combination")
    #expect(notes.first?.contains("+47.0%") == true, "the screening figure it was chosen on")
    var better = rows
    better[3].inference = cell(55)
    #expect(TableStudy.combinationNotes(better, best: [.inference: variant]).isEmpty)
  }
}
