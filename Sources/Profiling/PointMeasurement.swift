import Machine
import Statistics

/// Everything measured for one point: every sample and its statistics.
package struct PointMeasurement: Codable, Sendable, Equatable {
  /// Seconds per call, one value per sample, in measurement order.
  package var samples: [Double]
  /// Calls timed back to back per sample.
  package var callsPerSample: Int
  /// Calls run during warm-up.
  package var warmupCalls: Int
  package var warmupSeconds: Double
  /// Statistics of `samples`.
  package var statistics: SampleStatistics
  package var stopReason: StopReason
  /// Whether the CI of the median reached the sampler's target (for interleaved measurements: the
  /// CIs of both medians; the sampler keeps sampling both until both do).
  package var reachedTarget: Bool
  /// Wall time spent on this point, warm-up included.
  package var elapsedSeconds: Double
  /// Wall time inside the timed regions (all samples); nil in results written before it was kept.
  package var timedSeconds: Double?
  /// Wall time of the windows the counters were read around (each sample's timed region plus the
  /// reads themselves), what counter totals are divided by for rates; nil without counters or in
  /// results written before it was kept.
  package var counterSeconds: Double?
  /// Warm or cold caches before each sample.
  package var cache: CacheState
  /// Every requested counter, per call.
  package var counters: [CounterReading]
  /// Page faults and context switches per call.
  package var usage: ProcessUsage

  package var calls: Int { samples.count * callsPerSample }

  /// CPU time over wall time while timed (≈ busy threads): total CPU seconds of the timed calls
  /// divided by their total wall seconds (matching totals, so it cannot exceed the thread count).
  package var cpuUtilisation: Double {
    let wall = timedSeconds ?? statistics.mean * Double(samples.count)
    return wall > 0 ? usage.cpuSecondsPerCall * Double(calls) / wall : .nan
  }

  /// True when the timed region still page-faults (≥ 1 fault per call on average): buffers were
  /// not allocated and touched before timing, and the timing is suspect.
  package var pageFaults: Bool { usage.pageFaultsPerCall >= 1 }

  /// The per-call value of a counter, if measured.
  package func counter(_ name: String) -> Double? {
    counters.first { $0.name.lowercased() == name.lowercased() }?.perCall
  }
}
