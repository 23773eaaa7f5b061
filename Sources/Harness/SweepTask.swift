import Machine

/// One task of a sweep under one thread config: a measurement of the original alone, a rank (in the
/// window or the Δ anchor) paired with the original, or a policy's confirmation.
package struct SweepTask: MeasurementTask {
  /// What the task measures.
  package enum Kind: Codable, Sendable, Hashable {
    /// The k-th measurement of the original layer alone (drift report).
    case reference(Int)
    /// A swept rank, paired with the original.
    case rank(Int)
    /// R + step, paired with the original, used only for Δ(R).
    case anchor(Int)
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

  /// A stable journal key, for example "2t-compact/rank/298".
  package var id: String {
    switch kind {
    case .reference(let k): return "\(config.label)/reference/\(k)"
    case .rank(let r): return "\(config.label)/rank/\(r)"
    case .anchor(let r): return "\(config.label)/anchor/\(r)"
    case .confirmation(let r): return "\(config.label)/confirm/\(r)"
    }
  }

  /// The rank this task measures (nil for the original alone).
  package var rank: Int? {
    switch kind {
    case .reference: return nil
    case .rank(let r), .anchor(let r), .confirmation(let r): return r
    }
  }

  /// The measurement tasks in order: per thread config the original alone, the anchor, then ranks from
  /// R down, the original alone again after every `referenceEvery` ranks and at the end.
  package static func schedule(_ plan: SweepPlan) -> [SweepTask] {
    var tasks: [SweepTask] = []
    for config in plan.threadConfigs {
      var references = 0
      tasks.append(SweepTask(config: config, kind: .reference(references)))
      references += 1
      if let anchor = plan.anchor { tasks.append(SweepTask(config: config, kind: .anchor(anchor))) }
      for (index, rank) in plan.ranks.enumerated() {
        tasks.append(SweepTask(config: config, kind: .rank(rank)))
        if (index + 1) % max(plan.referenceEvery, 1) == 0 || index == plan.ranks.count - 1 {
          tasks.append(SweepTask(config: config, kind: .reference(references)))
          references += 1
        }
      }
    }
    return tasks
  }
}

/// A journal line of a sweep.
package typealias SweepJournalEntry = TaskEntry<SweepTask, PointResult>
