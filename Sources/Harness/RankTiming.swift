/// One rank of a sweep as the policies see it: its time t(r) (median and 95% CI, seconds), the
/// original's time T measured alongside it, their ratio t/T with its 95% CI, and FLOPs per call.
///
/// In a sweep every rank is measured interleaved with the original (A B A B …), so the ratio and its
/// CI come from the paired samples (bootstrap over pairs) and drift of the machine cancels.
public struct RankTiming: Codable, Sendable, Equatable {
  /// The rank r (r1 for Tucker-2).
  public var rank: Int
  /// Analytic FLOPs of one call of the decomposed layer at this rank.
  public var flops: Double
  /// Analytic FLOPs of one call of the original layer.
  public var referenceFlops: Double
  /// Median time per call t(r), in seconds.
  public var median: Double
  /// Lower bound of t(r)'s 95% CI, in seconds.
  public var lower: Double
  /// Upper bound of t(r)'s 95% CI, in seconds.
  public var upper: Double
  /// The original's median time measured with this rank.
  public var referenceMedian: Double
  /// t(r) / T (< 1: the decomposed layer is faster) and its 95% CI.
  public var ratio: Double
  /// Lower bound of t/T's 95% CI.
  public var ratioLower: Double
  /// Upper bound of t/T's 95% CI.
  public var ratioUpper: Double

  /// A timing from a paired comparison (ratio and CI given).
  public init(
    rank: Int, flops: Double, referenceFlops: Double, median: Double, lower: Double, upper: Double,
    referenceMedian: Double, ratio: Double, ratioLower: Double, ratioUpper: Double
  ) {
    self.rank = rank
    self.flops = flops
    self.referenceFlops = referenceFlops
    self.median = median
    self.lower = lower
    self.upper = upper
    self.referenceMedian = referenceMedian
    self.ratio = ratio
    self.ratioLower = ratioLower
    self.ratioUpper = ratioUpper
  }

  /// A timing from two independent measurements: ratio CI [t_lo / T_hi, t_hi / T_lo] (conservative).
  public init(
    rank: Int, flops: Double, referenceFlops: Double, median: Double, lower: Double, upper: Double,
    referenceMedian: Double, referenceLower: Double, referenceUpper: Double
  ) {
    self.init(
      rank: rank, flops: flops, referenceFlops: referenceFlops, median: median, lower: lower, upper: upper,
      referenceMedian: referenceMedian, ratio: median / referenceMedian, ratioLower: lower / referenceUpper,
      ratioUpper: upper / referenceLower)
  }

  /// Throughput (FLOP/s) relative to the original's, both measured together, so drift cancels: (F(r)/t(r)) /
  /// (F₀/T).
  ///
  /// How well the hardware runs this rank's shapes, independent of how many FLOPs the rank costs. Its CI
  /// comes from the CI of t/T.
  public var relativeThroughput: Double { flops / referenceFlops / ratio }
  /// Lower bound of the relative throughput (from the upper bound of t/T).
  public var relativeThroughputLower: Double { flops / referenceFlops / ratioUpper }
  /// Upper bound of the relative throughput (from the lower bound of t/T).
  public var relativeThroughputUpper: Double { flops / referenceFlops / ratioLower }
  /// Throughput in GFLOP/s (median).
  public var gflops: Double { flops / median / 1e9 }
}
