import Foundation

/// Quantiles of Student's t distribution.
package enum StudentT {
  /// The 0.995 quantile of Student's t (two-sided 99%), tabulated for 1…30 degrees of freedom, the
  /// normal quantile beyond.
  package static func quantile995(degreesOfFreedom df: Int) -> Double {
    let table: [Double] = [
      63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.250, 3.169, 3.106, 3.055, 3.012, 2.977,
      2.947,
      2.921, 2.898, 2.878, 2.861, 2.845, 2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771, 2.763, 2.756, 2.750,
    ]
    guard df >= 1 else { return .infinity }
    return df <= table.count ? table[df - 1] : 2.576
  }
}
