import Support

/// A rank-selection policy: from a sweep's timings, a rank or ORG (keep the original).
package enum RankPolicy: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// The paper's Algorithm 1 exactly as printed (docs/methods.md "Rank-selection policies"): Δ(r) = t(r+step) −
  /// t(r) for every rank of the window below R (Δ(R) is undefined, so R itself is never chosen); R_opt = argmax
  /// Δ (ties → larger r); decompose at R_opt if t(R_opt) < T, else ORG. Point estimates only, on drift-corrected
  /// ratios t/T.
  case paper
  /// lrd-bench's extension of Algorithm 1: as `paper`, with t(R + step) measured as an anchor so Δ(R) exists
  /// and R itself can be chosen.
  case paperAnchor = "paper+anchor"
  /// Noise-aware, hardware-friendly ranks: candidates are the ranks faster than the original with
  /// confidence (the CI of t/T lies below 1; none → ORG). The choice is the largest candidate whose
  /// throughput (FLOP/s relative to the original measured with it) is tied with the best
  /// candidate's: its upper CI bound reaches (1 − tolerance) × the best's estimate — one margin,
  /// applied once. The sweep then checks the choice with a longer paired measurement and, if that
  /// finds no significant speed-up, falls back to the next candidate that confirms (then ORG).
  case robust
  /// The rank with the smallest median t/T if it beats T (argmin baseline; no noise handling).
  case fastest

  /// The policy as `--policy` spells it.
  package var description: String { rawValue }

  /// Parses a comma list such as "paper,robust" (or "all").
  package static func parseList(_ text: String) throws(HarnessError) -> [RankPolicy] {
    if text.lowercased() == "all" { return allCases }
    var result: [RankPolicy] = []
    for part in CommaList.items(text) {
      guard let policy = RankPolicy(rawValue: part.lowercased()) else {
        throw .invalidRequest(
          "unknown policy '\(part.prefix(40))'; valid policies: \(allCases.map(\.rawValue).joined(separator: ", ")), all"
        )
      }
      guard !result.contains(policy) else {
        throw HarnessError.setting(.policies, ": \(policy.rawValue) is listed twice; list each policy once")
      }
      result.append(policy)
    }
    if result.isEmpty { throw HarnessError.setting(.policies, "needs at least one policy") }
    return result
  }

  /// The default margin of `robust`: throughputs within 5% count as tied.
  package static let defaultTolerance = 0.05

  /// The decision for the window's timings (any order) and the anchor R + step (used by `paperAnchor` only).
  ///
  /// With `step`, `paper`'s drops are taken only between ranks exactly `step` apart (a sweep that skips ranks
  /// never compares ranks further apart than Algorithm 1 does); without it, between neighbouring timings.
  package func decide(
    _ timings: [RankTiming], anchor: RankTiming? = nil, tolerance: Double = defaultTolerance, step: Int? = nil
  )
    -> RankChoice
  {
    candidates(timings, anchor: anchor, tolerance: tolerance, step: step).first
      ?? RankChoice(rank: nil, timing: nil, reason: .noRanks)
  }

  /// The policy's choices in order of preference: the decision first; for `robust` the other tied candidates
  /// (largest rank first) then the rest by throughput, so a failed check can fall back.
  ///
  /// An ORG decision is a one-element list.
  package func candidates(
    _ timings: [RankTiming], anchor: RankTiming? = nil, tolerance: Double = defaultTolerance, step: Int? = nil
  )
    -> [RankChoice]
  {
    let sorted = timings.sorted { $0.rank > $1.rank }
    guard !sorted.isEmpty else { return [RankChoice(rank: nil, timing: nil, reason: .noRanks)] }
    switch self {
    case .paper: return [Self.paperChoice(sorted, anchor: nil, step: step)]
    case .paperAnchor: return [Self.paperChoice(sorted, anchor: anchor, step: step)]
    case .robust: return Self.robustChoices(sorted, tolerance: tolerance)
    case .fastest:
      let best = sorted.min { $0.ratio < $1.ratio }!
      return best.ratio < 1
        ? [RankChoice(rank: best.rank, timing: best, reason: .smallestTime)]
        : [RankChoice(rank: nil, timing: best, reason: .fastestNotFaster(rank: best.rank))]
    }
  }

  /// Δ(r) = t(r + step) − t(r), in units of T, for every rank of `sorted` (largest rank first) that has
  /// a measured rank above it (exactly `step` above, when `step` is given): the anchor R + step, when measured,
  /// gives Δ(R) (`fromAnchor`).
  package static func drops(
    _ sorted: [RankTiming], anchor: RankTiming?, step: Int? = nil
  ) -> [(timing: RankTiming, delta: Double, fromAnchor: Bool)] {
    let chain = (anchor.map { [$0] } ?? []) + sorted
    return chain.indices.dropFirst().compactMap { i in
      if let step, chain[i - 1].rank - chain[i].rank != step { return nil }
      return (chain[i], chain[i - 1].ratio - chain[i].ratio, i == 1 && anchor != nil)
    }
  }

  /// Algorithm 1 on t/T (drift of the machine between measurements cancels; without drift this is
  /// exactly Algorithm 1 on t(r)).
  static func paperChoice(_ sorted: [RankTiming], anchor: RankTiming?, step: Int?) -> RankChoice {
    let drops = Self.drops(sorted, anchor: anchor, step: step)
    var best = sorted[0]
    var bestDelta = drops.isEmpty ? 0 : -Double.infinity
    var usedAnchor = false
    for drop in drops where drop.delta > bestDelta {
      bestDelta = drop.delta
      best = drop.timing
      usedAnchor = drop.fromAnchor
    }
    if best.ratio < 1 {
      return RankChoice(
        rank: best.rank, timing: best, reason: .largestDrop(delta: bestDelta, anchorUsed: usedAnchor))
    }
    return RankChoice(
      rank: nil, timing: best, reason: .largestDropNotFaster(rank: best.rank, delta: bestDelta))
  }

  static func robustChoices(_ sorted: [RankTiming], tolerance: Double) -> [RankChoice] {
    // Only ranks that beat the original with confidence (the CI of t/T lies below 1) are candidates.
    let faster = sorted.filter { $0.ratioUpper < 1 }
    guard let best = faster.max(by: { $0.relativeThroughput < $1.relativeThroughput }) else {
      let closest = sorted.min { $0.ratioUpper < $1.ratioUpper }!
      return [RankChoice(rank: nil, timing: closest, reason: .noneFaster(closest: closest.rank))]
    }
    // One margin, once: a rank ties when its throughput's upper CI bound reaches (1 − tolerance) of
    // the best candidate's estimate.
    let threshold = (1 - tolerance) * best.relativeThroughput
    let tied = faster.filter { $0.relativeThroughputUpper >= threshold }.sorted { $0.rank > $1.rank }
    let others = faster.filter { $0.relativeThroughputUpper < threshold }
      .sorted { $0.relativeThroughput > $1.relativeThroughput }
    let reason = RankReason.tiedWithBest(
      bestRank: best.rank, bestThroughput: best.relativeThroughput, candidates: faster.count,
      margin: tolerance)
    return (tied + others).map { RankChoice(rank: $0.rank, timing: $0, reason: reason) }
  }
}
