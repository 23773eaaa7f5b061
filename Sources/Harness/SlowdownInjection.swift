import Foundation
import Machine

/// The busy-wait behind the injected-slowdown test knob (`TestKnobs.slowdown`): it adds a known fraction of each
/// call's own time inside the timed region, so regression detection can be checked against a known slowdown.
///
/// Reports of an injected run say so.
package enum SlowdownInjection {
  /// `body`, followed by a busy-wait of `fraction` × the time `body` took (nothing added when 0).
  @inline(__always)
  package static func run(_ fraction: Double, _ body: () -> Void) {
    guard fraction > 0 else {
      body()
      return
    }
    let start = MonotonicClock.now()
    body()
    let elapsed = Double(MonotonicClock.now() &- start) * 1e-9
    _ = spin(seconds: elapsed * fraction)
  }

  /// Busy-waits `seconds` on the monotonic clock (allocates nothing).
  @inline(never)
  package static func spin(seconds: Double) -> UInt64 {
    let start = MonotonicClock.now()
    let end = start + UInt64(max(seconds, 0) * 1e9)
    var now = start
    while now < end { now = MonotonicClock.now() }
    return now
  }
}
