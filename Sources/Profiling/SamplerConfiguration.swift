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
/// `minimumSampleSeconds`. Sampling stops when the 95% CI of the median is within
/// ±`targetRelativeHalfWidth` of the median, or the budget (warm-up included) is spent, or
/// `maximumSamples` is reached — but never before `minimumSamples` samples.
public struct SamplerConfiguration: Codable, Sendable, Equatable {
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

  /// Checks ranges; returns a message naming the valid range otherwise.
  public func validate() throws(SamplerError) {
    guard budgetSeconds > 0, budgetSeconds.isFinite else {
      throw .invalid("--budget must be a positive number of seconds")
    }
    guard targetRelativeHalfWidth > 0, targetRelativeHalfWidth < 1 else {
      throw .invalid("the CI target must be between 0 and 1 (0.01 = ±1%)")
    }
    guard minimumSampleSeconds > 0, minimumSampleSeconds < budgetSeconds else {
      throw .invalid("the minimum sample length must be positive and below the budget")
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
