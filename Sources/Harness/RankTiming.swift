/// One rank of a sweep as the policies see it: its time t(r) (median and 95% CI, seconds), the
/// original's time T, their ratio t/T with its 95% CI, and FLOPs per call.
///
/// In a sweep every rank is measured interleaved with the original (A B A B …), so the ratio and its
/// CI come from the paired samples (bootstrap over pairs, and over passes) and drift of the machine cancels;
/// t(r) and its CI are then the ratio's times T, the original's run-wide median.
package struct RankTiming: Codable, Sendable, Equatable {
  /// The rank r (r1 for Tucker-2).
  package var rank: Int
  /// Analytic FLOPs of one call of the decomposed layer at this rank.
  package var flops: Double
  /// Analytic FLOPs of one call of the original layer.
  package var referenceFlops: Double
  /// Time per call t(r), in seconds (in a sweep: t/T × the original's run-wide median).
  package var median: Double
  /// Lower bound of t(r)'s 95% CI, in seconds.
  package var lower: Double
  /// Upper bound of t(r)'s 95% CI, in seconds.
  package var upper: Double
  /// The original's time T the ratio is applied to (in a sweep: its run-wide median).
  package var referenceMedian: Double
  /// t(r) / T (< 1: the decomposed layer is faster) and its 95% CI.
  package var ratio: Double
  /// Lower bound of t/T's 95% CI.
  package var ratioLower: Double
  /// Upper bound of t/T's 95% CI.
  package var ratioUpper: Double

  /// A timing from a paired comparison (ratio and CI given).
  package init(
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
  package init(
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
  package var relativeThroughput: Double { flops / referenceFlops / ratio }
  /// Lower bound of the relative throughput (from the upper bound of t/T).
  package var relativeThroughputLower: Double { flops / referenceFlops / ratioUpper }
  /// Upper bound of the relative throughput (from the lower bound of t/T).
  package var relativeThroughputUpper: Double { flops / referenceFlops / ratioLower }
  /// Throughput in GFLOP/s (median).
  package var gflops: Double { flops / median / 1e9 }
}
