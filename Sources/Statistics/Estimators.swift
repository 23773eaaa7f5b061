import Foundation

/// Point estimates of a sample's centre.
package enum Estimators {
  /// Median (type-7 interpolation) of unsorted values; NaN for none.
  package static func median(_ values: [Double]) -> Double {
    values.isEmpty ? .nan : SampleStatistics.quantile(values.sorted(), 0.5)
  }

  /// The Hodges–Lehmann estimate: the median of the Walsh averages (xᵢ + xⱼ)/2, i ≤ j; O(n² log n).
  package static func hodgesLehmann(_ values: [Double]) -> Double {
    var averages: [Double] = []
    averages.reserveCapacity(values.count * (values.count + 1) / 2)
    for i in values.indices {
      for j in i..<values.count { averages.append((values[i] + values[j]) / 2) }
    }
    return median(averages)
  }

  /// The mean after dropping `fraction` of the values at each end (the median when nothing is left).
  package static func trimmedMean(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    let cut = Int(Double(sorted.count) * fraction)
    let kept = sorted.dropFirst(cut).dropLast(cut)
    return kept.isEmpty ? median(values) : kept.reduce(0, +) / Double(kept.count)
  }
}
