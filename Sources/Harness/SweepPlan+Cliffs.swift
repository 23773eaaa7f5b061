import Decomposition
import Networks

extension SweepPlan {
  /// The ranks a sweep measures before any refinement: every rank (`full`) or the cliff grid's (`cliffs`).
  package func initialRanks(for layer: LayerSpec, grid: CliffGrid) -> [Int] {
    switch strategy {
    case .full: return ranks
    case .cliffs:
      return grid.initialRanks(window: ranks, step: step) { r in
        switch factorization(for: layer, rank: r) {
        case .svd(let rank): return [rank]
        case .tucker2(let r1, let r2), .branched(let r1, let r2, _): return [r1, r2]
        case .original: return []
        }
      }
    }
  }
}

extension SweepPlan {
  /// The next round of a `cliffs` sweep from what is measured so far.
  ///
  /// The plan's policies decide on `timings`,
  /// and `CliffGrid.refinement` names the unmeasured neighbours of their choices and of `paper`'s three largest
  /// drops (drops only when the plan has a paper policy). Empty when the sweep is done.
  package func refinement(timings: [RankTiming], anchor: RankTiming?, measured: Set<Int>) -> [Int] {
    let chosen = policies.compactMap {
      $0.decide(timings, anchor: anchor, tolerance: tieTolerance, step: step).rank
    }
    let paper = policies.contains(.paper) || policies.contains(.paperAnchor)
    let drops =
      paper
      ? RankPolicy.drops(timings.sorted { $0.rank > $1.rank }, anchor: anchor, step: step)
        .sorted { $0.delta > $1.delta }.prefix(3).map(\.timing.rank) : []
    return CliffGrid.refinement(
      chosen: chosen, drops: drops, window: to...from, step: step, measured: measured)
  }
}
