import Foundation
import Statistics

/// Number formatting shared by progress lines, summaries and reports.
package enum Format {
  /// "4.31 ms", "812 µs", "1.20 s".
  package static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "n/a" }
    if seconds >= 1 { return String(format: "%.2f s", seconds) }
    if seconds >= 1e-3 { return String(format: "%.3f ms", seconds * 1e3) }
    return String(format: "%.1f µs", seconds * 1e6)
  }

  /// The median's 95% CI, "95% CI [4.301 ms, 4.322 ms] (±0.24%)", only when the samples support one;
  /// fewer (an interrupted point) say so instead of printing a zero-width interval.
  package static func medianCI(_ s: SampleStatistics) -> String {
    guard s.medianCI.level >= 0.95 else {
      return "no 95% CI from \(s.count) sample\(s.count == 1 ? "" : "s") (at least 6 are needed)"
    }
    return
      "95% CI [\(duration(s.medianCI.lower)), \(duration(s.medianCI.upper))] (±\(percent(s.relativeHalfWidth)))"
  }

  /// A fraction as a percentage: 0.0123 → "1.23%".
  package static func percent(_ fraction: Double, digits: Int = 2) -> String {
    guard fraction.isFinite else { return "n/a" }
    return String(format: "%.\(digits)f%%", fraction * 100)
  }

  /// A signed percentage change: -47.3 → "-47.3%", 12 → "+12.0%".
  package static func signedPercent(_ value: Double, digits: Int = 1) -> String {
    guard value.isFinite else { return "n/a" }
    return String(format: "%+.\(digits)f%%", value)
  }

  /// A speed-up factor: "1.083×".
  package static func ratio(_ value: Double) -> String {
    guard value.isFinite else { return "n/a" }
    return String(format: "%.3f×", value)
  }

  /// A p-value: "3.1e-05" or "0.42".
  package static func pValue(_ p: Double) -> String {
    p < 0.001 ? String(format: "%.1e", p) : String(format: "%.3f", p)
  }

  /// A number with a fixed count of decimals.
  package static func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "n/a" }
    return String(format: "%.\(digits)f", value)
  }

  /// "m:ss" or "h:mm:ss".
  package static func clock(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "n/a" }
    let s = Int(seconds.rounded())
    return s >= 3600
      ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
      : String(format: "%d:%02d", s / 60, s % 60)
  }
}
