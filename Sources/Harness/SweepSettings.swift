import Machine
import Profiling
import Programs
import Tensors

/// Everything that defines a rank sweep except its layer and ranks: what a study of many layers (`ranks`)
/// applies to each layer's sweep.
package struct SweepSettings: Codable, Sendable, Equatable, SweepOrdered {
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
  /// Which ranks are measured, in how many passes, in which order (nil: written before orders existed).
  package var order: SweepOrder?

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
    self.order = SweepOrder(strategy: strategy, passes: passes, seed: orderSeed)
  }
}
