import Decomposition
import Profiling

/// Everything recorded for one measured point.
public struct PointResult: Codable, Sendable, Equatable {
  /// What was measured.
  public var spec: PointSpec
  /// Order of measurement within its run (0-based).
  public var sequence: Int
  /// Parameters and MACs per image of the factorization (bias included).
  public var cost: FactorizationCost
  /// Analytic FLOPs of one timed call (batch included; training counts three passes).
  public var flopsPerCall: Int
  /// ‖W − W'‖/‖W‖ of the factorization's reconstructed weights.
  public var relativeError: Double
  /// The point's own measurement (seconds per call).
  public var measurement: PointMeasurement
  /// For points measured interleaved with a reference (sweeps: every rank with the original): the
  /// reference's measurement and the paired comparison reference → this point.
  public var pairedReference: PointMeasurement?
  /// The paired comparison reference → this point, nil when measured alone.
  public var comparison: PairedComparison?

  /// Seconds per call (median).
  public var seconds: Double { measurement.statistics.median }
  /// Analytic FLOPs / median time.
  public var gflops: Double { Double(flopsPerCall) / seconds / 1e9 }
  /// Images per second (batch / median time).
  public var imagesPerSecond: Double { Double(spec.batch) / seconds }
}
