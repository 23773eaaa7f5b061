import Decomposition
import Profiling
import Statistics

/// Everything recorded for one measured point.
package struct PointResult: Codable, Sendable, Equatable {
  package var spec: PointSpec
  /// Order of measurement within its run (0-based).
  package var sequence: Int
  /// Parameters and MACs per image of the factorization (bias included).
  package var cost: FactorizationCost
  /// Analytic FLOPs of one timed call (batch included; training counts three passes).
  package var flopsPerCall: Int
  /// ‖W − W'‖/‖W‖ of the factorization's reconstructed weights.
  package var relativeError: Double
  /// ‖y − y'‖/‖y‖ of the layer's output on one fixed random image against the original's (nil in results
  /// written before it was recorded).
  package var outputError: Double?
  /// The point's own measurement (seconds per call).
  package var measurement: PointMeasurement
  /// For points measured interleaved with a reference (sweeps: every rank with the original): the
  /// reference's measurement and the paired comparison reference → this point.
  package var pairedReference: PointMeasurement?
  /// The paired comparison reference → this point, nil when measured alone.
  package var comparison: PairedComparison?

  /// Seconds per call (median).
  package var seconds: Double { measurement.statistics.median }
  /// Analytic FLOPs / median time.
  package var gflops: Double { Double(flopsPerCall) / seconds / 1e9 }
  /// Images per second (batch / median time).
  package var imagesPerSecond: Double { Double(spec.batch) / seconds }
}

extension PointResult {
  /// One point measured in several passes, as one.
  ///
  /// It has the first pass's spec and sequence, measurements pooled
  /// (`PointMeasurement.pooled`), and the paired comparison over every pass's pairs
  /// (`PairedComparison(passes:)`, whose CI carries the spread between passes). One pass is returned as is.
  package static func pooled(_ passes: [PointResult]) -> PointResult {
    guard var pooled = passes.first, passes.count > 1 else { return passes[0] }
    pooled.measurement = .pooled(passes.map(\.measurement))
    let references = passes.compactMap(\.pairedReference)
    if references.count == passes.count {
      pooled.pairedReference = .pooled(references)
      pooled.comparison = PairedComparison(
        passes: zip(references, passes).map { ($0.samples, $1.measurement.samples) })
    } else {
      pooled.pairedReference = nil
      pooled.comparison = nil
    }
    return pooled
  }
}
