import Foundation

/// How p-values are corrected when every point of a suite is tested at once.
package enum Correction: String, Codable, Sendable, CaseIterable {
  /// Holm–Bonferroni: controls the family-wise error rate.
  case holm
  /// Benjamini–Hochberg: controls the false discovery rate.
  case bh
  case none

  /// Adjusted p-values in the order of `p`.
  package func adjust(_ p: [Double]) -> [Double] {
    let m = p.count
    guard m > 1, self != .none else { return p }
    let order = p.indices.sorted { p[$0] < p[$1] }
    var adjusted = [Double](repeating: 1, count: m)
    switch self {
    case .holm:
      var running = 0.0
      for (rank, index) in order.enumerated() {
        running = max(running, min(1, Double(m - rank) * p[index]))
        adjusted[index] = running
      }
    case .bh:
      var running = 1.0
      for (rank, index) in order.enumerated().reversed() {
        running = min(running, min(1, p[index] * Double(m) / Double(rank + 1)))
        adjusted[index] = running
      }
    case .none:
      return p
    }
    return adjusted
  }
}
