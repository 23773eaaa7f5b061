import Support

/// When a point stops sampling (docs/methods.md "How measurements are made").
///
/// Warm-up runs the body until per-call times settle (three consecutive ~1 ms batches within ±3%
/// of their median, after at least `warmupSeconds`; at most 3× that, and never more than half the
/// budget). Each sample then times `callsPerSample` back-to-back calls so that it lasts at least
/// `minimumSampleSeconds`. Sampling stops when the 95% CI reaches ±`targetRelativeHalfWidth` (of the
/// median for one body; of the paired ratio for two), or the budget (warm-up included) is spent, or
/// `maximumSamples` is reached — but never before `minimumSamples` samples. Past the budget a noisy
/// point may continue up to `maximumBudgetFactor` × the budget, but only while the projected time to
/// the target fits under that cap (see `Sampler`).
package struct SamplerConfiguration: Codable, Sendable, Equatable {
  /// The longest budget any option accepts: one hour per point.
  package static let budgetLimit = 3600.0

  /// Shortest sample, in seconds (calls are batched until a sample lasts this long).
  package var minimumSampleSeconds: Double
  /// Target half-width of the 95% CI, as a fraction (0.01: ±1%).
  package var targetRelativeHalfWidth: Double
  /// Time budget per point, warm-up included, in seconds.
  package var budgetSeconds: Double
  /// Samples taken at least, whatever the budget.
  package var minimumSamples: Int
  /// Samples taken at most.
  package var maximumSamples: Int
  /// Shortest warm-up, in seconds.
  package var warmupSeconds: Double
  /// Warm or cold caches before each sample.
  package var cache: CacheState
  /// How far past the budget a noisy point may go when the projection says it reaches the target.
  package var maximumBudgetFactor: Double

  /// A configuration: 1 ms samples, ±1% target, 2 s budget, 10 to 100,000 samples, warm caches by default.
  package init(
    minimumSampleSeconds: Double = 0.001, targetRelativeHalfWidth: Double = 0.01, budgetSeconds: Double = 2,
    minimumSamples: Int = 10, maximumSamples: Int = 100_000, warmupSeconds: Double? = nil,
    cache: CacheState = .warm, maximumBudgetFactor: Double = 3
  ) {
    self.minimumSampleSeconds = minimumSampleSeconds
    self.targetRelativeHalfWidth = targetRelativeHalfWidth
    self.budgetSeconds = budgetSeconds
    self.minimumSamples = max(minimumSamples, 1)
    self.maximumSamples = max(maximumSamples, self.minimumSamples)
    self.warmupSeconds = warmupSeconds ?? min(0.2, budgetSeconds / 8)
    self.cache = cache
    self.maximumBudgetFactor = max(maximumBudgetFactor, 1)
  }

  enum CodingKeys: String, CodingKey {
    case minimumSampleSeconds, targetRelativeHalfWidth, budgetSeconds, minimumSamples, maximumSamples,
      warmupSeconds, cache, maximumBudgetFactor
  }

  /// Plans saved before `maximumBudgetFactor` existed read as 1 (no extension).
  package init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    minimumSampleSeconds = try c.decode(Double.self, forKey: .minimumSampleSeconds)
    targetRelativeHalfWidth = try c.decode(Double.self, forKey: .targetRelativeHalfWidth)
    budgetSeconds = try c.decode(Double.self, forKey: .budgetSeconds)
    minimumSamples = try c.decode(Int.self, forKey: .minimumSamples)
    maximumSamples = try c.decode(Int.self, forKey: .maximumSamples)
    warmupSeconds = try c.decode(Double.self, forKey: .warmupSeconds)
    cache = try c.decode(CacheState.self, forKey: .cache)
    maximumBudgetFactor = try c.decodeIfPresent(Double.self, forKey: .maximumBudgetFactor) ?? 1
  }

  /// The same settings with another budget (warm-up scaled down with it when needed).
  package func withBudget(_ seconds: Double) -> SamplerConfiguration {
    var copy = self
    copy.budgetSeconds = seconds
    copy.warmupSeconds = min(warmupSeconds, seconds / 8)
    return copy
  }

  /// Checks ranges; the error names the setting and its valid range.
  package func validate() throws(SamplerError) {
    try Self.checkBudget(budgetSeconds, setting: .budget)
    guard targetRelativeHalfWidth > 0, targetRelativeHalfWidth < 1 else {
      throw SamplerError.setting(.ci, "must be between 0 and 1 (0.01 = ±1%), got \(targetRelativeHalfWidth)")
    }
    guard maximumBudgetFactor >= 1, maximumBudgetFactor <= 10 else {
      throw .invalid("the budget growth factor must be between 1 and 10, got \(maximumBudgetFactor)")
    }
    guard (2...1_000_000).contains(minimumSamples), (minimumSamples...10_000_000).contains(maximumSamples)
    else {
      throw .invalid(
        "samples per point must be at least 2 and at most 10,000,000, the most no fewer than the least; got "
          + "\(minimumSamples)…\(maximumSamples)")
    }
    guard warmupSeconds.isFinite, warmupSeconds >= 0, warmupSeconds <= budgetSeconds else {
      throw .invalid(
        "the warm-up must be between 0 and the budget (\(budgetSeconds) s), got \(warmupSeconds) s")
    }
    guard minimumSampleSeconds > 0, minimumSampleSeconds < budgetSeconds else {
      throw SamplerError.setting(
        .minSampleMilliseconds,
        "must be positive and below the budget (\(budgetSeconds * 1000) ms), got "
          + "\(minimumSampleSeconds * 1000)")
    }
  }

  /// A budget must be a finite number of seconds in (0, `budgetLimit`].
  package static func checkBudget(_ seconds: Double, setting: Setting, allowZero: Bool = false)
    throws(SamplerError)
  {
    guard seconds.isFinite, allowZero ? seconds >= 0 : seconds > 0, seconds <= budgetLimit else {
      throw .setting(
        setting,
        "must be \(allowZero ? "0 or " : "")a positive number of seconds up to \(Int(budgetLimit)), got \(seconds)"
      )
    }
  }
}
