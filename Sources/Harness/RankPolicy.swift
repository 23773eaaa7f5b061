/// One rank of a sweep as the policies see it: its time t(r) (median and 95% CI, seconds), the
/// original's time T measured alongside it, their ratio t/T with its 95% CI, and FLOPs per call.
///
/// In a sweep every rank is measured interleaved with the original (A B A B …), so the ratio and its
/// CI come from the paired samples (bootstrap over pairs) and drift of the machine cancels.
public struct RankTiming: Codable, Sendable, Equatable {
  public var rank: Int
  /// Analytic FLOPs of one call of the decomposed layer at this rank.
  public var flops: Double
  /// Analytic FLOPs of one call of the original layer.
  public var referenceFlops: Double
  public var median: Double
  public var lower: Double
  public var upper: Double
  /// The original's median time measured with this rank.
  public var referenceMedian: Double
  /// t(r) / T (< 1: the decomposed layer is faster) and its 95% CI.
  public var ratio: Double
  public var ratioLower: Double
  public var ratioUpper: Double

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

  /// Throughput (FLOP/s) relative to the original's, both measured together, so drift cancels:
  /// (F(r)/t(r)) / (F₀/T). How well the hardware runs this rank's shapes, independent of how many
  /// FLOPs the rank costs. Its CI comes from the CI of t/T.
  public var relativeThroughput: Double { flops / referenceFlops / ratio }
  public var relativeThroughputLower: Double { flops / referenceFlops / ratioUpper }
  public var relativeThroughputUpper: Double { flops / referenceFlops / ratioLower }
  /// Throughput in GFLOP/s (median).
  public var gflops: Double { flops / median / 1e9 }
}

/// A rank-selection policy: from a sweep's timings, a rank or ORG (keep the original).
public enum RankPolicy: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// The paper's Algorithm 1 exactly (DESIGN.md): Δ(r) = t(r+step) − t(r) over the window,
  /// R_opt = argmax Δ (largest drop when stepping down to r; ties → larger r), decompose at R_opt
  /// if t(R_opt) < T, else ORG. Uses point estimates only.
  case paper
  /// Noise-aware, hardware-friendly ranks: candidates are the ranks faster than the original with
  /// confidence (the CI of t/T lies below 1; none → ORG). Among them, take the largest rank (least
  /// compression, best accuracy) whose throughput (FLOP/s, relative to the original measured with
  /// it) is tied with the best candidate's — CIs that overlap once widened by the tie tolerance
  /// (5% by default). The sweep then re-checks the choice with an
  /// interleaved paired test against the original and falls back to ORG if that test does not
  /// confirm a significant speed-up.
  ///
  /// Why throughput and not time: time falls with the rank almost everywhere (fewer FLOPs), so
  /// "tied with the fastest" would drift to R_min and trade accuracy for speed without bound;
  /// FLOP/s is flat on a smooth curve (→ the largest rank, R itself) and jumps exactly where a
  /// dimension suits the kernels (the paper's 257 → 256 cliff), which is what Algorithm 1 looks for.
  /// The tolerance keeps a few per cent of throughput, within the drift of a shared machine, from
  /// costing rank.
  case robust
  /// The rank with the smallest median time if it beats T (argmin baseline; no noise handling).
  case fastest

  public var description: String { rawValue }

  /// Parses a comma list such as "paper,robust" (or "all").
  public static func parseList(_ text: String) throws(HarnessError) -> [RankPolicy] {
    if text.lowercased() == "all" { return allCases }
    var result: [RankPolicy] = []
    for part in text.split(separator: ",") {
      guard let policy = RankPolicy(rawValue: part.trimmingCharacters(in: .whitespaces).lowercased()) else {
        throw .invalidOption(
          "unknown policy '\(part)'; valid policies: \(allCases.map(\.rawValue).joined(separator: ", ")), all"
        )
      }
      if !result.contains(policy) { result.append(policy) }
    }
    if result.isEmpty { throw .invalidOption("--policy needs at least one policy") }
    return result
  }

  /// The default tie tolerance of `robust`: throughputs within 5% count as equal.
  public static let defaultTolerance = 0.05

  /// The decision for timings of ranks swept downward (any order accepted; sorted here).
  /// `tolerance` only affects `robust`.
  public func decide(_ timings: [RankTiming], tolerance: Double = RankPolicy.defaultTolerance) -> RankChoice {
    let sorted = timings.sorted { $0.rank > $1.rank }
    guard !sorted.isEmpty else { return RankChoice(rank: nil, timing: nil, reason: "no ranks measured") }
    switch self {
    case .paper: return Self.paperChoice(sorted)
    case .robust: return Self.robustChoice(sorted, tolerance: tolerance)
    case .fastest:
      let best = sorted.min { $0.ratio < $1.ratio }!
      return best.ratio < 1
        ? RankChoice(
          rank: best.rank, timing: best, reason: "smallest median time, \(Self.percent(best.ratio)) of T")
        : RankChoice(
          rank: nil, timing: best,
          reason: "fastest rank \(best.rank) is not faster than T (\(Self.percent(best.ratio)))")
    }
  }

  /// Ratios (t/T) are compared instead of raw times so that drift of the machine between
  /// the reference measurements cancels; without drift this is exactly Algorithm 1 on t(r).
  static func paperChoice(_ sorted: [RankTiming]) -> RankChoice {
    var best = sorted[0]
    var bestDelta = -Double.infinity
    if sorted.count == 1 {
      bestDelta = 0
    }
    for i in 1..<max(sorted.count, 1) {
      let delta = sorted[i - 1].ratio - sorted[i].ratio  // t(r+step) − t(r), in units of T
      if delta > bestDelta {
        bestDelta = delta
        best = sorted[i]
      }
    }
    if best.ratio < 1 {
      return RankChoice(
        rank: best.rank, timing: best,
        reason:
          "largest drop Δ = \(percent(bestDelta)) of T stepping down to \(best.rank); t = \(percent(best.ratio)) of T"
      )
    }
    return RankChoice(
      rank: nil, timing: best,
      reason:
        "R_opt = \(best.rank) (Δ = \(percent(bestDelta)) of T) is not faster than T (\(percent(best.ratio)))")
  }

  static func robustChoice(_ sorted: [RankTiming], tolerance: Double) -> RankChoice {
    // Only ranks that beat the original with confidence (the CI of t/T lies below 1) are candidates.
    let faster = sorted.filter { $0.ratioUpper < 1 }
    guard let best = faster.max(by: { $0.relativeThroughput < $1.relativeThroughput }) else {
      let closest = sorted.min { $0.ratioUpper < $1.ratioUpper }!
      return RankChoice(
        rank: nil, timing: closest,
        reason: "no rank is faster than the original with confidence: the best, \(closest.rank), has t/T CI "
          + "[\(percent(closest.ratioLower)), \(percent(closest.ratioUpper))]")
    }
    // Largest rank whose throughput CI, widened by the tolerance, reaches the best one's CI.
    let tied = faster.filter { $0.relativeThroughputUpper * (1 + tolerance) >= best.relativeThroughputLower }
    let chosen = tied.max { $0.rank < $1.rank } ?? best
    return RankChoice(
      rank: chosen.rank, timing: chosen,
      reason:
        "largest rank whose throughput (\(percent(chosen.relativeThroughput)) of the original's) is within "
        + "\(percent(tolerance)) of the best (rank \(best.rank): \(percent(best.relativeThroughput))) among the "
        + "\(faster.count) ranks faster than the original with confidence; "
        + "t/T = \(percent(chosen.ratio)) [\(percent(chosen.ratioLower)), \(percent(chosen.ratioUpper))]")
  }

  static func percent(_ x: Double) -> String { Format.percent(x, digits: 1) }
}

/// A policy's answer: a rank, or nil for ORG, with the timing it rests on and why.
public struct RankChoice: Codable, Sendable, Equatable {
  public var rank: Int?
  public var timing: RankTiming?
  public var reason: String

  public var isOriginal: Bool { rank == nil }
  /// "ORG" or the rank.
  public var label: String { rank.map(String.init) ?? "ORG" }
}
