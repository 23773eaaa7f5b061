import Decomposition
import Machine
import Networks
import ONNX
import Profiling
import Programs
import Support
import Tensors

/// Everything that defines a rank sweep (saved as `plan.json`; `--resume` continues the same one and
/// validates it exactly as command-line options are validated).
package struct SweepPlan: Codable, Sendable, Equatable, SweepOrdered {
  /// The model the layer belongs to.
  package var model: ResNetModel
  /// The layer's torchvision name.
  package var layer: String
  /// Compression ratio α that gives the starting rank R.
  package var ratio: Double
  /// First (largest) swept rank R.
  package var from: Int
  /// Last (smallest) swept rank R_min.
  package var to: Int
  /// Rank step between swept ranks.
  package var step: Int
  /// R + step, measured outside the window so Δ(R) = t(R + step) − t(R) exists and Algorithm 1 can
  /// choose R itself; nil when R is already the full rank.
  package var anchor: Int?
  package var batch: Int
  /// Thread configs measured, in order.
  package var threadConfigs: [ThreadConfig]
  package var mode: Mode
  /// Which factors are frozen in training.
  package var frozen: FrozenFactors
  /// The policies applied to the timings.
  package var policies: [RankPolicy]
  /// How each rank is sampled (paired with the original).
  package var sampler: SamplerConfiguration
  /// Counters read during sampling (empty for none).
  package var events: [String]
  /// The kernel backend measured on (nil in plans written before backends were recorded: OpenBLAS).
  package var backend: GEMMBackend?
  /// `sweep --backend all`: the backends swept one after the other, each in its own child run directory
  /// (`backend` is then nil); nil for a single-backend sweep.
  package var backends: [GEMMBackend]?
  /// The original layer is also measured alone after every `referenceEvery` ranks (drift report).
  package var referenceEvery: Int
  /// Seconds for each interleaved confirmation (original vs chosen rank); 0 skips confirmation.
  package var confirmBudget: Double
  /// The throughput margin within which `robust` treats a rank as tied with the best.
  package var tieTolerance: Double
  /// Which ranks are measured, in how many passes, in which order (nil: written before orders existed).
  package var order: SweepOrder?
  /// The shard of the thread configs this run measures (`measuredConfigs`), nil for all of them; `ShardMerge`
  /// joins the shards' directories into the whole sweep.
  package var shard: Shard?
  /// The ONNX file whose layer is swept with its real weights; nil for a catalog model's layer.
  package var onnx: ModelFile?

  /// A plan from the command's options.
  package init(
    model: ResNetModel, layer: String, ratio: Double, from: Int, to: Int, step: Int, anchor: Int?, batch: Int,
    threadConfigs: [ThreadConfig], mode: Mode, frozen: FrozenFactors, policies: [RankPolicy],
    sampler: SamplerConfiguration, events: [String], referenceEvery: Int, confirmBudget: Double,
    tieTolerance: Double = RankPolicy.defaultTolerance, strategy: SweepStrategy = .full, passes: Int = 1,
    orderSeed: UInt64 = 1
  ) {
    self.model = model
    self.layer = layer
    self.ratio = ratio
    self.from = from
    self.to = to
    self.step = step
    self.anchor = anchor
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
    self.order = SweepOrder(strategy: strategy, passes: passes, seed: orderSeed)
  }

  /// A plan for `layer` of `model` swept from `ranks.from` down to `ranks.to` with `settings`.
  package init(
    model: ResNetModel, layer: String, ranks: (from: Int, to: Int, anchor: Int?), settings: SweepSettings
  ) {
    self.init(
      model: model, layer: layer, ratio: settings.ratio, from: ranks.from, to: ranks.to, step: settings.step,
      anchor: ranks.anchor, batch: settings.batch, threadConfigs: settings.threadConfigs, mode: settings.mode,
      frozen: settings.frozen, policies: settings.policies, sampler: settings.sampler,
      events: settings.events,
      referenceEvery: settings.referenceEvery, confirmBudget: settings.confirmBudget,
      tieTolerance: settings.tieTolerance)
    order = settings.order
    backend = settings.backend
  }

  /// The thread configs this run measures: all, or its shard's (see `shardUnits()`).
  package var measuredConfigs: [ThreadConfig] {
    ((try? measuredUnitIndices()) ?? Array(threadConfigs.indices)).map { threadConfigs[$0] }
  }

  /// Swept ranks, largest first: from, from − step, …, ≥ to.
  package var ranks: [Int] { Array(stride(from: from, through: to, by: -step)) }

  /// How each pass samples a point: 1/passes of the budget, with the CI target widened by √passes so the
  /// pooled point's CI reaches about the target when every pass reaches its own.
  package var passSampler: SamplerConfiguration {
    guard passes > 1 else { return sampler }
    var pass = sampler.withBudget(sampler.budgetSeconds / Double(passes))
    pass.targetRelativeHalfWidth = min(sampler.targetRelativeHalfWidth * Double(passes).squareRoot(), 0.5)
    return pass
  }

  /// The factorization measured at swept rank `r` for `layer` (SVD r, or Tucker-2 r, ⌊β·r⌋).
  package func factorization(for layer: LayerSpec, rank r: Int) -> Factorization {
    RankSelection.factorization(for: layer, sweptRank: r)
  }

  /// Fills in defaults (R from α, R_min = ⌈R/2⌉, and with `anchor` the anchor R + step, which only the
  /// `paper+anchor` policy uses) and validates the range.
  package static func resolveRanks(
    layer: LayerSpec, ratio: Double, from: Int?, to: Int?, step: Int, anchor: Bool = false
  ) throws(HarnessError) -> (from: Int, to: Int, anchor: Int?) {
    guard layer.groups == 1 else {
      throw .invalidRequest("\(layer.name) is a grouped convolution; sweeps need groups = 1")
    }
    guard step >= 1 else { throw HarnessError.setting(.step, "must be at least 1, got \(step)") }
    let full = RankSelection.fullRank(of: layer)
    guard step <= full else {
      throw HarnessError.setting(.step, "must be at most \(layer.name)'s full rank \(full), got \(step)")
    }
    let start: Int
    if let from {
      start = from
    } else {
      do {
        start = try RankSelection.factorization(for: layer, ratio: ratio).primaryRank ?? full
      } catch {
        throw HarnessError.setting(.ratio, ": \(error)")
      }
    }
    guard (1...full).contains(start) else {
      throw HarnessError.setting(.from, "\(start) is outside the valid rank range 1…\(full) of \(layer.name)")
    }
    let end = to ?? (start + 1) / 2
    guard (1...full).contains(end) else {
      throw HarnessError.setting(.to, "\(end) is outside the valid rank range 1…\(full) of \(layer.name)")
    }
    guard end <= start else {
      throw HarnessError.setting(
        .from, "\(start) is below R_min \(end); a sweep goes down from R to R_min (from ≥ to)")
    }
    return (start, end, anchor && start + step <= full ? start + step : nil)
  }

  /// The swept layer: the ONNX file's, or the catalog model's.
  package func layerSpec() throws -> LayerSpec {
    if let onnx { return try ImportedModel.cached(onnx).layer(named: layer).spec }
    return try ModelCatalog(model).layer(named: layer)
  }

  /// Checks every field as the command line would (a resumed `plan.json` may have been edited):
  /// the layer, ranks and anchor, batch, thread counts, sampler, budgets, tolerance, frozen factors.
  package func validate(cores: Int) throws {
    let spec = try layerSpec()
    let resolved = try Self.resolveRanks(
      layer: spec, ratio: ratio, from: from, to: to, step: step, anchor: policies.contains(.paperAnchor))
    guard anchor == resolved.anchor else {
      throw HarnessError.invalidRequest(
        "the plan's anchor rank \(anchor.map(String.init) ?? "none") should be "
          + "\(resolved.anchor.map(String.init) ?? "none") (R + step within the full rank, measured only for "
          + "the paper+anchor policy)")
    }
    guard RankSelection.isValidRatio(ratio) else { throw DecompositionError.badCompressionRatio(ratio) }
    try Self.validateCommon(
      batch: batch, threadConfigs: threadConfigs, cores: cores, sampler: sampler, policies: policies,
      referenceEvery: referenceEvery, confirmBudget: confirmBudget, tieTolerance: tieTolerance,
      passes: passes,
      events: events)
    if shard != nil, backends != nil {
      throw HarnessError.invalidRequest(
        "a shard splits one backend's sweep; sweep every backend's shards separately")
    }
    try checkShard(unit: SweepStudy.shardUnit)
    if case .indices(let list) = frozen {
      let factors = spec.shape.hasOneByOneKernel ? 2 : 3
      if let bad = list.first(where: { $0 >= factors }) {
        throw HarnessError.setting(
          .frozen, ": factor \(bad) does not exist; \(layer)'s factorization has factors 0…\(factors - 1)")
      }
    }
  }

  /// The checks sweep and ranks plans share.
  static func validateCommon(
    batch: Int, threadConfigs: [ThreadConfig], cores: Int, sampler: SamplerConfiguration,
    policies: [RankPolicy],
    referenceEvery: Int, confirmBudget: Double, tieTolerance: Double, passes: Int, events: [String]
  ) throws {
    try EventNames.validate(events)
    guard (1...20).contains(passes) else {
      throw HarnessError.setting(.passes, "must be between 1 and 20, got \(passes)")
    }
    guard batch >= 1 else { throw HarnessError.setting(.batch, "must be at least 1, got \(batch)") }
    guard !threadConfigs.isEmpty else {
      throw HarnessError.setting(.threads, "needs at least one count")
    }
    for config in threadConfigs where config.threads < 1 || config.threads > cores {
      throw ThreadConfigError.tooManyThreads(requested: config.threads, cores: cores)
    }
    try sampler.validate()
    guard !policies.isEmpty else { throw HarnessError.setting(.policies, "needs at least one policy") }
    guard referenceEvery >= 1 else {
      throw HarnessError.setting(.referenceEvery, "must be at least 1, got \(referenceEvery)")
    }
    try SamplerConfiguration.checkBudget(confirmBudget, setting: .confirmBudget, allowZero: true)
    guard tieTolerance >= 0, tieTolerance < 0.5 else {
      throw HarnessError.setting(.tieTolerance, "must be in [0, 0.5) (0.05 = 5%), got \(tieTolerance)")
    }
  }
}
