/// Which ranks of its window a sweep measures (docs/methods.md "Cliff-aware sweeps").
package enum SweepStrategy: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Every rank of the window.
  case full
  /// First the ranks where the kernels' blocking can change the time (see `CliffGrid`), then, at full
  /// resolution, the neighbours of every rank a policy chooses until no unmeasured neighbour is left
  /// (`CliffGrid.refinement`).
  case cliffs

  package var description: String { rawValue }
}

/// How a sweep orders its measurements: which ranks, in how many passes, in which random order.
package struct SweepOrder: Codable, Sendable, Equatable {
  /// Which ranks of the window are measured: every one, or the cliff grid's and their refinements.
  package var strategy: SweepStrategy
  /// Passes over the ranks: each visits every rank in a fresh random order with 1/passes of the budget, and
  /// a rank's samples are pooled over the passes.
  package var passes: Int
  /// Seeds the random order of each pass.
  package var seed: UInt64

  package init(strategy: SweepStrategy, passes: Int, seed: UInt64) {
    self.strategy = strategy
    self.passes = passes
    self.seed = seed
  }

  /// What plans and results written before strategies and passes existed read as: every rank, one pass
  /// (those sweeps went in descending order).
  package static let single = SweepOrder(strategy: .full, passes: 1, seed: 1)
}

/// A sweep's plan or settings, whose `order` is nil when written before orders existed.
package protocol SweepOrdered {
  /// The order, nil in plans and results written before it existed (read as `SweepOrder.single`).
  var order: SweepOrder? { get set }
}

extension SweepOrdered {
  /// Which ranks of the window are measured.
  package var strategy: SweepStrategy {
    get { (order ?? .single).strategy }
    set { order = SweepOrder(strategy: newValue, passes: passes, seed: orderSeed) }
  }
  /// Passes over the ranks.
  package var passes: Int {
    get { (order ?? .single).passes }
    set { order = SweepOrder(strategy: strategy, passes: newValue, seed: orderSeed) }
  }
  /// Seeds the random order of each pass.
  package var orderSeed: UInt64 {
    get { (order ?? .single).seed }
    set { order = SweepOrder(strategy: strategy, passes: passes, seed: newValue) }
  }
}
