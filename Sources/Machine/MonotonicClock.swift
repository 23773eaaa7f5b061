#if canImport(Glibc)
  import Glibc
#endif

/// The monotonic clock every timing in lrd-bench uses: `clock_gettime(CLOCK_MONOTONIC)` in
/// nanoseconds (not affected by wall-clock adjustments; NTP slewing only).
package enum MonotonicClock {
  /// Nanoseconds since an arbitrary fixed point.
  @inline(__always)
  package static func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }

  /// Seconds elapsed since `start` (a value of `now()`).
  @inline(__always)
  package static func seconds(since start: UInt64) -> Double {
    Double(now() &- start) * 1e-9
  }

  /// The clock's advertised resolution in nanoseconds (`clock_getres`).
  package static var resolutionNanoseconds: Int {
    var ts = timespec()
    clock_getres(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1_000_000_000 + ts.tv_nsec
  }

  /// Measures the cost of one `now()` call: the median and minimum gap between back-to-back
  /// readings over `readings` calls, in nanoseconds.
  package static func overhead(readings: Int = 100_000) -> ClockOverhead {
    var gaps = [Double](repeating: 0, count: max(readings, 2))
    var previous = now()
    for i in gaps.indices {
      let t = now()
      gaps[i] = Double(t &- previous)
      previous = t
    }
    gaps.sort()
    return ClockOverhead(
      medianNanoseconds: gaps[gaps.count / 2], minimumNanoseconds: gaps[0],
      resolutionNanoseconds: resolutionNanoseconds, source: "clock_gettime(CLOCK_MONOTONIC)")
  }
}

/// What one clock reading costs (reported with every result so sample lengths can be judged).
package struct ClockOverhead: Codable, Sendable, Equatable {
  /// Median cost of one reading over back-to-back pairs, in nanoseconds.
  package var medianNanoseconds: Double
  /// Smallest gap between two readings, in nanoseconds.
  package var minimumNanoseconds: Double
  /// The clock's resolution (`clock_getres`), in nanoseconds.
  package var resolutionNanoseconds: Int
  /// The clock used, for example "clock_gettime(CLOCK_MONOTONIC)".
  package var source: String
}
