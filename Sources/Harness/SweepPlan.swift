import Decomposition
import Networks
import Profiling

/// Everything that defines a rank sweep (saved as `plan.json` so `--resume` continues the same one).
public struct SweepPlan: Codable, Sendable, Equatable {
  public var model: ResNetModel
  public var layer: String
  /// Compression ratio α that gives the starting rank R.
  public var ratio: Double
  /// First (largest) swept rank R.
  public var from: Int
  /// Last (smallest) swept rank R_min.
  public var to: Int
  public var step: Int
  public var batch: Int
  public var threadConfigs: [ThreadConfig]
  public var mode: Mode
  public var frozen: FrozenFactors
  public var policies: [RankPolicy]
  public var sampler: SamplerConfiguration
  public var events: [String]
  /// The original layer is measured again after every `referenceEvery` ranks (and at the end).
  public var referenceEvery: Int
  /// Seconds for each interleaved confirmation (original vs chosen rank); 0 skips confirmation.
  public var confirmBudget: Double
  /// Relative throughput difference the `robust` policy treats as a tie.
  public var tieTolerance: Double

  public init(
    model: ResNetModel, layer: String, ratio: Double, from: Int, to: Int, step: Int, batch: Int,
    threadConfigs: [ThreadConfig], mode: Mode, frozen: FrozenFactors, policies: [RankPolicy],
    sampler: SamplerConfiguration, events: [String], referenceEvery: Int, confirmBudget: Double,
    tieTolerance: Double = RankPolicy.defaultTolerance
  ) {
    self.model = model
    self.layer = layer
    self.ratio = ratio
    self.from = from
    self.to = to
    self.step = step
    self.batch = batch
    self.threadConfigs = threadConfigs
    self.mode = mode
    self.frozen = frozen
    self.policies = policies
    self.sampler = sampler
    self.events = events
    self.referenceEvery = referenceEvery
    self.confirmBudget = confirmBudget
    self.tieTolerance = tieTolerance
  }

  /// Swept ranks, largest first: from, from − step, …, ≥ to.
  public var ranks: [Int] { Array(stride(from: from, through: to, by: -step)) }

  /// The factorization measured at swept rank `r` for `layer` (SVD r, or Tucker-2 r, ⌊β·r⌋).
  public func factorization(for layer: LayerSpec, rank r: Int) -> Factorization {
    RankSelection.factorization(for: layer, sweptRank: r)
  }

  /// Fills in defaults: R from α, R_min = ⌈R/2⌉; validates ranges against the layer.
  public static func resolveRanks(
    layer: LayerSpec, ratio: Double, from: Int?, to: Int?, step: Int
  ) throws(HarnessError) -> (from: Int, to: Int) {
    guard layer.groups == 1 else {
      throw .invalidOption("\(layer.name) is a grouped convolution; sweeps need groups = 1")
    }
    let full = RankSelection.fullRank(of: layer)
    let start: Int
    if let from {
      start = from
    } else {
      do {
        start = try RankSelection.factorization(for: layer, ratio: ratio).primaryRank ?? full
      } catch {
        throw .invalidOption("--ratio: \(error)")
      }
    }
    guard (1...full).contains(start) else {
      throw .invalidOption("--from \(start) is outside the valid rank range 1…\(full) of \(layer.name)")
    }
    let end = to ?? (start + 1) / 2
    guard (1...full).contains(end) else {
      throw .invalidOption("--to \(end) is outside the valid rank range 1…\(full) of \(layer.name)")
    }
    guard end <= start else {
      throw .invalidOption(
        "--from \(start) is below --to \(end); a sweep goes down from R to R_min (from ≥ to)")
    }
    guard step >= 1 else { throw .invalidOption("--step must be at least 1") }
    return (start, end)
  }
}

/// One task of a sweep: a reference (original) measurement or one rank, under one thread config.
public struct SweepTask: Codable, Sendable, Hashable {
  public enum Kind: Codable, Sendable, Hashable {
    /// The k-th measurement of the original layer in this thread config.
    case reference(Int)
    case rank(Int)
  }

  public var config: ThreadConfig
  public var kind: Kind

  /// A stable identifier for the journal, e.g. "2t-compact/rank/298".
  public var id: String {
    switch kind {
    case .reference(let k): return "\(config.label)/reference/\(k)"
    case .rank(let r): return "\(config.label)/rank/\(r)"
    }
  }

  /// Tasks in measurement order: per thread config the original, then ranks from R down, with
  /// the original measured again after every `referenceEvery` ranks and at the end.
  public static func schedule(_ plan: SweepPlan) -> [SweepTask] {
    var tasks: [SweepTask] = []
    for config in plan.threadConfigs {
      var references = 0
      tasks.append(SweepTask(config: config, kind: .reference(references)))
      references += 1
      for (index, rank) in plan.ranks.enumerated() {
        tasks.append(SweepTask(config: config, kind: .rank(rank)))
        let isLast = index == plan.ranks.count - 1
        if (index + 1) % max(plan.referenceEvery, 1) == 0 || isLast {
          tasks.append(SweepTask(config: config, kind: .reference(references)))
          references += 1
        }
      }
    }
    return tasks
  }
}

/// A journal line: which task, and what was measured.
public struct SweepJournalEntry: Codable, Sendable {
  public var task: SweepTask
  public var result: PointResult
}
