import Foundation
import Machine

/// A test-only knob: `LRD_BENCH_INJECT_SLOWDOWN=F` (or `F@REGEX`, matching point names) adds a busy-wait of F
/// × each call's own time inside the timed region of the matching points of a suite run, so regression
/// detection can be checked against a known slowdown (F = 0.05: every call 5% slower).
///
/// Reports of an injected run say so.
package enum SlowdownInjection {
  package static let variable = "LRD_BENCH_INJECT_SLOWDOWN"

  /// (fraction, pattern) from the environment, or nil when unset; a malformed value is an error.
  package static func fromEnvironment() throws -> (fraction: Double, pattern: String?)? {
    guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { return nil }
    let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
    guard let fraction = Double(parts[0]), fraction.isFinite, (0...10).contains(fraction) else {
      throw HarnessError.invalidOption(
        "\(variable)='\(text)': use a fraction such as 0.05, optionally @REGEX to match point names")
    }
    if parts.count == 2 {
      do {
        _ = try Regex(parts[1])
      } catch {
        throw HarnessError.invalidOption("\(variable): '\(parts[1])' is not a regular expression: \(error)")
      }
    }
    return (fraction, parts.count == 2 ? parts[1] : nil)
  }

  /// The fraction to inject into the point called `name` (0 when the knob is unset or does not match).
  package static func fraction(for name: String) -> Double {
    guard let setting = try? fromEnvironment() else { return 0 }
    guard let pattern = setting.pattern else { return setting.fraction }
    guard let regex = try? Regex(pattern), name.contains(regex) else { return 0 }
    return setting.fraction
  }

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
