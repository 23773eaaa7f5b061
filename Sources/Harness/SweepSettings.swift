import Machine
import Profiling
import Programs
import Tensors

/// Everything that defines a rank sweep except its layer and ranks: what a study of many layers (`ranks`)
/// applies to each layer's sweep.
package struct SweepSettings: Codable, Sendable, Equatable {
  /// Compression ratio α that gives each layer's starting rank R.
  package var ratio: Double
  /// Rank step between swept ranks.
  package var step: Int
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
  /// The kernel backend measured on (nil: OpenBLAS).
  package var backend: GEMMBackend?
  /// The original layer is also measured alone after every `referenceEvery` ranks (drift report).
  package var referenceEvery: Int
  /// Seconds for each interleaved confirmation (original vs chosen rank); 0 skips confirmation.
  package var confirmBudget: Double
  /// The throughput margin within which `robust` treats a rank as tied with the best.
  package var tieTolerance: Double
  /// Which ranks of the window are measured: every one, or the cliff grid's and their refinements.
  package var strategy: SweepStrategy
  /// Passes over the ranks: each visits every rank in a fresh random order with 1/passes of the budget, and
  /// a rank's samples are pooled over the passes.
  package var passes: Int
  /// Seeds the random order of each pass.
  package var orderSeed: UInt64

  /// Settings from the command's options.
  package init(
    ratio: Double, step: Int, batch: Int, threadConfigs: [ThreadConfig], mode: Mode,
    frozen: FrozenFactors = .none, policies: [RankPolicy], sampler: SamplerConfiguration, events: [String],
    backend: GEMMBackend? = nil, referenceEvery: Int, confirmBudget: Double,
    tieTolerance: Double = RankPolicy.defaultTolerance, strategy: SweepStrategy = .full, passes: Int = 1,
    orderSeed: UInt64 = 1
  ) {
    self.ratio = ratio
    self.step = step
    self.batch = batch
    self.threadConfigs = threadConfigs
    self.mode = mode
    self.frozen = frozen
    self.policies = policies
    self.sampler = sampler
    self.events = events
    self.backend = backend
    self.referenceEvery = referenceEvery
    self.confirmBudget = confirmBudget
    self.tieTolerance = tieTolerance
    self.strategy = strategy
    self.passes = passes
    self.orderSeed = orderSeed
  }
}

extension SweepSettings {
  /// Settings written before strategies and passes existed read as `full`, one pass, seed 1.
  package init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    ratio = try c.decode(Double.self, forKey: .ratio)
    step = try c.decode(Int.self, forKey: .step)
    batch = try c.decode(Int.self, forKey: .batch)
    threadConfigs = try c.decode([ThreadConfig].self, forKey: .threadConfigs)
    mode = try c.decode(Mode.self, forKey: .mode)
    frozen = try c.decode(FrozenFactors.self, forKey: .frozen)
    policies = try c.decode([RankPolicy].self, forKey: .policies)
    sampler = try c.decode(SamplerConfiguration.self, forKey: .sampler)
    events = try c.decode([String].self, forKey: .events)
    backend = try c.decodeIfPresent(GEMMBackend.self, forKey: .backend)
    referenceEvery = try c.decode(Int.self, forKey: .referenceEvery)
    confirmBudget = try c.decode(Double.self, forKey: .confirmBudget)
    tieTolerance = try c.decode(Double.self, forKey: .tieTolerance)
    strategy = try c.decodeIfPresent(SweepStrategy.self, forKey: .strategy) ?? .full
    passes = try c.decodeIfPresent(Int.self, forKey: .passes) ?? 1
    orderSeed = try c.decodeIfPresent(UInt64.self, forKey: .orderSeed) ?? 1
  }
}
