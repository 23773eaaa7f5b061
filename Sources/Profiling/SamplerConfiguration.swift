/// Cache state between samples.
public enum CacheState: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Samples run back to back; data stays in cache (the default).
  case warm
  /// A buffer twice the last-level cache is walked before every sample, and every sample is a
  /// single call, so each call starts from cold caches.
  case cold

  public var description: String { rawValue }
}

/// When a point stops sampling (DESIGN.md "Measurement").
///
/// Warm-up runs the body until per-call times settle (three consecutive ~1 ms batches within ±3%
/// of their median, after at least `warmupSeconds`; at most 3× that, and never more than half the
/// budget). Each sample then times `callsPerSample` back-to-back calls so that it lasts at least
/// `minimumSampleSeconds`. Sampling stops when the 95% CI reaches ±`targetRelativeHalfWidth` (of the
/// median for one body; of the paired ratio for two), or the budget (warm-up included) is spent, or
/// `maximumSamples` is reached — but never before `minimumSamples` samples.
public struct SamplerConfiguration: Codable, Sendable, Equatable {
  /// The longest budget any option accepts: one hour per point.
  public static let budgetLimit = 3600.0

  public var minimumSampleSeconds: Double
  public var targetRelativeHalfWidth: Double
  public var budgetSeconds: Double
  public var minimumSamples: Int
  public var maximumSamples: Int
  public var warmupSeconds: Double
  public var cache: CacheState

  public init(
    minimumSampleSeconds: Double = 0.001, targetRelativeHalfWidth: Double = 0.01, budgetSeconds: Double = 2,
    minimumSamples: Int = 10, maximumSamples: Int = 100_000, warmupSeconds: Double? = nil,
    cache: CacheState = .warm
  ) {
    self.minimumSampleSeconds = minimumSampleSeconds
    self.targetRelativeHalfWidth = targetRelativeHalfWidth
    self.budgetSeconds = budgetSeconds
    self.minimumSamples = max(minimumSamples, 1)
    self.maximumSamples = max(maximumSamples, self.minimumSamples)
    self.warmupSeconds = warmupSeconds ?? min(0.2, budgetSeconds / 8)
    self.cache = cache
  }

  /// The same settings with another budget (warm-up scaled down with it when needed).
  public func withBudget(_ seconds: Double) -> SamplerConfiguration {
    var copy = self
    copy.budgetSeconds = seconds
    copy.warmupSeconds = min(warmupSeconds, seconds / 8)
    return copy
  }

  /// Checks ranges; the message names the option and its valid range.
  public func validate() throws(SamplerError) {
    try Self.checkBudget(budgetSeconds, option: "--budget")
    guard targetRelativeHalfWidth > 0, targetRelativeHalfWidth < 1 else {
      throw .invalid("--ci must be between 0 and 1 (0.01 = ±1%), got \(targetRelativeHalfWidth)")
    }
    guard minimumSampleSeconds > 0, minimumSampleSeconds < budgetSeconds else {
      throw .invalid(
        "--min-sample-ms must be positive and below the budget (\(budgetSeconds * 1000) ms), got "
          + "\(minimumSampleSeconds * 1000)")
    }
  }

  /// A budget must be a finite number of seconds in (0, `budgetLimit`].
  public static func checkBudget(_ seconds: Double, option: String, allowZero: Bool = false)
    throws(SamplerError)
  {
    guard seconds.isFinite, allowZero ? seconds >= 0 : seconds > 0, seconds <= budgetLimit else {
      throw .invalid(
        "\(option) must be \(allowZero ? "0 or " : "")a positive number of seconds up to \(Int(budgetLimit)), got \(seconds)"
      )
    }
  }
}

/// Invalid sampler settings.
public enum SamplerError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalid(String)
  public var description: String {
    switch self {
    case .invalid(let message): return message
    }
  }
}

/// Why sampling stopped.
public enum StopReason: String, Codable, Sendable {
  /// The CI of the median reached the target width.
  case confidenceReached = "ci-reached"
  /// The time budget was spent first.
  case budget
  /// The sample cap was reached.
  case maximumSamples = "max-samples"
  /// SIGINT arrived.
  case interrupted
}
