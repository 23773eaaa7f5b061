import Decomposition
import Networks
import Profiling

/// One measured configuration (DESIGN.md "point"): layer, factorization, batch, mode, frozen
/// factors, thread config and cache state.
public struct PointSpec: Codable, Sendable, Hashable, CustomStringConvertible {
  public var model: ResNetModel
  public var layer: String
  public var factorization: Factorization
  public var batch: Int
  public var mode: Mode
  public var frozen: FrozenFactors
  public var threads: ThreadConfig
  public var cache: CacheState

  public init(
    model: ResNetModel, layer: String, factorization: Factorization, batch: Int, mode: Mode,
    frozen: FrozenFactors = .none, threads: ThreadConfig, cache: CacheState = .warm
  ) {
    self.model = model
    self.layer = layer
    self.factorization = factorization
    self.batch = batch
    self.mode = mode
    self.frozen = frozen
    self.threads = threads
    self.cache = cache
  }

  public var description: String {
    "\(layer) \(factorization) b\(batch) \(mode)" + (frozen == .none ? "" : " frozen=\(frozen)")
      + " \(threads.label)" + (cache == .warm ? "" : " cold")
  }
}

/// Everything recorded for one measured point.
public struct PointResult: Codable, Sendable, Equatable {
  public var spec: PointSpec
  /// Order of measurement within its run (0-based).
  public var sequence: Int
  /// Parameters and MACs per image of the factorization (bias included).
  public var cost: FactorizationCost
  /// Analytic FLOPs of one timed call (batch included; training counts three passes).
  public var flopsPerCall: Int
  /// ‖W − W'‖/‖W‖ of the factorization's reconstructed weights.
  public var relativeError: Double
  public var measurement: Measurement
  /// For points measured interleaved with a reference (sweeps: every rank with the original): the
  /// reference's measurement and the paired comparison reference → this point.
  public var pairedReference: Measurement?
  public var comparison: PairedComparison?

  /// Seconds per call (median).
  public var seconds: Double { measurement.statistics.median }
  /// Analytic FLOPs / median time.
  public var gflops: Double { Double(flopsPerCall) / seconds / 1e9 }
  /// Images per second (batch / median time).
  public var imagesPerSecond: Double { Double(spec.batch) / seconds }
}
