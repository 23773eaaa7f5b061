/// Everything measured for one point: every sample and its statistics.
public struct PointMeasurement: Codable, Sendable, Equatable {
  /// Seconds per call, one value per sample, in measurement order.
  public var samples: [Double]
  /// Calls timed back to back per sample.
  public var callsPerSample: Int
  /// Calls run during warm-up.
  public var warmupCalls: Int
  /// Seconds of warm-up.
  public var warmupSeconds: Double
  /// Statistics of `samples`.
  public var statistics: SampleStatistics
  /// Why sampling stopped.
  public var stopReason: StopReason
  /// Whether the CI of the median reached the sampler's target (for interleaved measurements: the
  /// CIs of both medians; the sampler keeps sampling both until both do).
  public var reachedTarget: Bool
  /// Wall time spent on this point, warm-up included.
  public var elapsedSeconds: Double
  /// Wall time inside the timed regions (all samples); nil in results written before it was kept.
  public var timedSeconds: Double?
  /// Warm or cold caches before each sample.
  public var cache: CacheState
  /// Every requested counter, per call.
  public var counters: [CounterReading]
  /// Page faults and context switches per call.
  public var usage: ProcessUsage

  /// Total timed calls.
  public var calls: Int { samples.count * callsPerSample }

  /// CPU time over wall time while timed (≈ busy threads): total CPU seconds of the timed calls
  /// divided by their total wall seconds (matching totals, so it cannot exceed the thread count).
  public var cpuUtilisation: Double {
    let wall = timedSeconds ?? statistics.mean * Double(samples.count)
    return wall > 0 ? usage.cpuSecondsPerCall * Double(calls) / wall : .nan
  }

  /// True when the timed region still page-faults (≥ 1 fault per call on average): buffers were
  /// not allocated and touched before timing, and the timing is suspect.
  public var pageFaults: Bool { usage.pageFaultsPerCall >= 1 }

  /// The per-call value of a counter, if measured.
  public func counter(_ name: String) -> Double? {
    counters.first { $0.name.lowercased() == name.lowercased() }?.perCall
  }
}
