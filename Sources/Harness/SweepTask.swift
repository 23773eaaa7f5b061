import Machine
import Support

/// One task of a sweep under one thread config: a measurement of the original alone, one pass over a rank
/// (in the window or the Δ anchor) paired with the original, or a policy's confirmation.
package struct SweepTask: MeasurementTask {
  /// What the task measures.
  package enum Kind: Codable, Sendable, Hashable {
    /// The k-th measurement of the original layer alone (drift report).
    case reference(Int)
    /// A swept rank, paired with the original, in pass `pass` (0-based).
    case rank(Int, pass: Int)
    /// R + step, paired with the original, used only for Δ(R), in pass `pass`.
    case anchor(Int, pass: Int)
    /// A longer paired check of a chosen rank against the original.
    case confirmation(Int)
  }

  /// The thread config of the task.
  package var config: ThreadConfig
  /// What the task measures.
  package var kind: Kind

  package init(config: ThreadConfig, kind: Kind) {
    self.config = config
    self.kind = kind
  }

  /// A stable journal key, for example "2t-compact/rank/298" (first pass) or "2t-compact/rank/298/pass/2".
  package var id: String {
    func passSuffix(_ pass: Int) -> String { pass == 0 ? "" : "/pass/\(pass + 1)" }
    switch kind {
    case .reference(let k): return "\(config.label)/reference/\(k)"
    case .rank(let r, let pass): return "\(config.label)/rank/\(r)" + passSuffix(pass)
    case .anchor(let r, let pass): return "\(config.label)/anchor/\(r)" + passSuffix(pass)
    case .confirmation(let r): return "\(config.label)/confirm/\(r)"
    }
  }

  /// The rank this task measures (nil for the original alone).
  package var rank: Int? {
    switch kind {
    case .reference: return nil
    case .rank(let r, _), .anchor(let r, _), .confirmation(let r): return r
    }
  }

  /// The tasks of one round of a sweep under `config`.
  ///
  /// `plan.passes` passes, each over `ranks` (and the anchor, when given) in its own seeded random order, with
  /// the original measured alone first (round 0 only), after every `referenceEvery` ranks and at the end.
  /// `references` numbers the reference measurements and
  /// carries over between rounds.
  package static func round(
    _ plan: SweepPlan, config: ThreadConfig, ranks: [Int], anchor: Int?, round: Int, references: inout Int
  ) -> [SweepTask] {
    var tasks: [SweepTask] = []
    func reference() {
      tasks.append(SweepTask(config: config, kind: .reference(references)))
      references += 1
    }
    if round == 0 { reference() }
    var sinceReference = 0
    for pass in 0..<max(plan.passes, 1) {
      var kinds =
        ranks.map { Kind.rank($0, pass: pass) } + (anchor.map { [Kind.anchor($0, pass: pass)] } ?? [])
      var rng = SplitMix64(
        seed: plan.orderSeed ^ FNV1a.hash(config.label) ^ UInt64(round << 8 | pass) &* 0x9E37_79B9_7F4A_7C15)
      shuffle(&kinds, using: &rng)
      for kind in kinds {
        tasks.append(SweepTask(config: config, kind: kind))
        sinceReference += 1
        if sinceReference == max(plan.referenceEvery, 1) {
          reference()
          sinceReference = 0
        }
      }
    }
    if sinceReference > 0 { reference() }
    return tasks
  }

  /// The measurement tasks of every rank of the window under each thread config in turn (a `full` sweep; the
  /// first round of a `cliffs` sweep covers only the grid's ranks).
  package static func schedule(_ plan: SweepPlan) -> [SweepTask] {
    plan.threadConfigs.flatMap { config in
      var references = 0
      return round(
        plan, config: config, ranks: plan.ranks, anchor: plan.anchor, round: 0, references: &references)
    }
  }

  /// Fisher–Yates with explicit draws, so an order depends only on the seed (not on the standard library's
  /// shuffle algorithm).
  static func shuffle<T>(_ items: inout [T], using rng: inout SplitMix64) {
    guard items.count > 1 else { return }
    for i in stride(from: items.count - 1, to: 0, by: -1) {
      items.swapAt(i, Int(rng.next() % UInt64(i + 1)))
    }
  }
}

/// A journal line of a sweep.
package typealias SweepJournalEntry = TaskEntry<SweepTask, PointResult>
