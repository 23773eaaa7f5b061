import Foundation

/// A two-sided confidence interval.
package struct ConfidenceInterval: Codable, Sendable, Equatable {
  /// Lower bound, in the unit of the estimate.
  package var lower: Double
  /// Upper bound, in the unit of the estimate.
  package var upper: Double
  /// Nominal level, for example 0.95.
  package var level: Double
  /// How it was computed (reported in results).
  package var method: String

  /// True when `value` lies in the closed interval.
  package func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
  package var width: Double { upper - lower }
}
