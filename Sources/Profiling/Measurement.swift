/// One counter's result for a point: totals over the timed samples and per call.
public struct CounterReading: Codable, Sendable, Equatable {
  public var name: String
  public var availability: EventAvailability
  /// Sum over every timed call (nil when unavailable).
  public var total: Double?
  /// total / calls.
  public var perCall: Double?
}

/// Process-wide resource use over the timed samples, from getrusage(RUSAGE_SELF) (all threads;
/// works with or without a PMU).
public struct ProcessUsage: Codable, Sendable, Equatable {
  public var pageFaultsPerCall: Double
  public var contextSwitchesPerCall: Double
  /// CPU seconds (user + system, all threads) per call.
  public var cpuSecondsPerCall: Double
  /// Heap allocations per call by any thread while timed (nil when the allocation counter is not
  /// linked into the process). OpenBLAS's threaded driver allocates a job table per multi-threaded
  /// GEMM, so multi-threaded points show a few per call; a kernel's own code allocates nothing.
  public var allocationsPerCall: Double?
}

/// Everything measured for one point: every sample and its statistics.
public struct Measurement: Codable, Sendable, Equatable {
  /// Seconds per call, one value per sample, in measurement order.
  public var samples: [Double]
  public var callsPerSample: Int
  public var warmupCalls: Int
  public var warmupSeconds: Double
  public var statistics: SampleStatistics
  public var stopReason: StopReason
  /// Whether the CI of the median reached the sampler's target (for interleaved measurements: the
  /// CIs of both medians; the sampler keeps sampling both until both do).
  public var reachedTarget: Bool
  /// Wall time spent on this point, warm-up included.
  public var elapsedSeconds: Double
  public var cache: CacheState
  public var counters: [CounterReading]
  public var usage: ProcessUsage

  /// Total timed calls.
  public var calls: Int { samples.count * callsPerSample }

  /// CPU time over wall time while timed (≈ busy threads).
  public var cpuUtilisation: Double { usage.cpuSecondsPerCall / statistics.median }

  /// True when the timed region still page-faults (≥ 1 fault per call on average): buffers were
  /// not allocated and touched before timing, and the timing is suspect.
  public var pageFaults: Bool { usage.pageFaultsPerCall >= 1 }

  /// The per-call value of a counter, if measured.
  public func counter(_ name: String) -> Double? {
    counters.first { $0.name.lowercased() == name.lowercased() }?.perCall
  }
}
