import Decomposition
import Statistics

/// A policy's answer for one thread config: a rank, or nil for ORG (keep the original), the timing it
/// rests on, and why, as data (Reports render the sentence).
package struct RankChoice: Codable, Sendable, Equatable {
  /// The chosen rank, nil for ORG (keep the original).
  package var rank: Int?
  /// The timing the choice rests on, nil when no rank was measured.
  package var timing: RankTiming?
  /// Why the policy chose it.
  package var reason: RankReason

  package init(rank: Int?, timing: RankTiming?, reason: RankReason) {
    self.rank = rank
    self.timing = timing
    self.reason = reason
  }

  /// True for ORG.
  package var isOriginal: Bool { rank == nil }
  /// "ORG" or the rank.
  package var label: String { rank.map(String.init) ?? "ORG" }
}

/// Why a policy chose what it chose.
///
/// Ratios are t/T (fractions of the original's time), throughputs are relative to the original's, margins are
/// fractions.
package enum RankReason: Codable, Sendable, Equatable {
  /// No rank was measured.
  case noRanks
  /// paper: the largest drop Δ(r) = t(r+step) − t(r) (in units of T) is at the chosen rank, which is
  /// faster than T. `anchorUsed`: Δ(R) came from the measured anchor R + step.
  case largestDrop(delta: Double, anchorUsed: Bool)
  /// paper: R_opt = `rank` (Δ = `delta`) is not faster than T, so ORG.
  case largestDropNotFaster(rank: Int, delta: Double)
  /// robust: the largest rank whose throughput (upper CI bound) reaches (1 − margin) × the best
  /// candidate's throughput; `candidates` ranks were faster than T with confidence.
  case tiedWithBest(bestRank: Int, bestThroughput: Double, candidates: Int, margin: Double)
  /// robust: no rank is faster than T with confidence; `closest` has the lowest upper CI bound of t/T.
  case noneFaster(closest: Int)
  /// fastest: the smallest median t/T, below 1.
  case smallestTime
  /// fastest: the fastest rank is not faster than T.
  case fastestNotFaster(rank: Int)
}

/// A policy's decision for one thread config, with what it changes and how its check went.
package struct PolicyDecision: Codable, Sendable, Equatable {
  package var policy: RankPolicy
  /// What it chose and why.
  package var choice: RankChoice
  /// The factorization chosen (nil = ORG).
  package var factorization: Factorization?
  /// T / t(r) from the sweep (1 for ORG): the estimate the policy chose on, so biased toward ranks whose time
  /// came out low by chance ("at selection" in reports).
  package var speedup: Double
  /// (params_variant / params_original − 1) × 100 (0 for ORG).
  package var parametersChangePercent: Double
  /// (FLOPs_variant / FLOPs_original − 1) × 100 (0 for ORG).
  package var flopsChangePercent: Double
  /// The paired check of the final choice against the original, when run.
  package var confirmation: PairedComparison?
  /// What the check concluded.
  package var check: ConfirmationOutcome
  /// Ranks the policy preferred whose checks found no significant speed-up (robust falls back past
  /// them to the next candidate), with their checks' speed-up CIs.
  package var rejected: [RejectedCandidate]
  /// How often the policy picks what it picked when the sweep's samples are resampled (nil before assessment).
  package var stability: DecisionStability?
  /// Whether the point the decision rests on held up when measured again (nil for ORG or before assessment).
  package var reproduction: Reproduction?

  /// The speed-up to report: the check's, a fresh paired measurement that played no part in the choice, when it
  /// ran; the selection estimate otherwise (1 for ORG).
  package var reportedSpeedup: Double {
    guard choice.rank != nil else { return 1 }
    return confirmation?.speedup ?? speedup
  }

  /// A decision not yet checked (`check` is `notRun`, nothing rejected).
  package init(
    policy: RankPolicy, choice: RankChoice, factorization: Factorization?, speedup: Double,
    parametersChangePercent: Double, flopsChangePercent: Double
  ) {
    self.policy = policy
    self.choice = choice
    self.factorization = factorization
    self.speedup = speedup
    self.parametersChangePercent = parametersChangePercent
    self.flopsChangePercent = flopsChangePercent
    self.confirmation = nil
    self.check = .notRun
    self.rejected = []
    self.stability = nil
    self.reproduction = nil
  }
}

/// How a decision's paired check ended.
package enum ConfirmationOutcome: String, Codable, Sendable {
  /// Not run (ORG, `--confirm-budget 0`, or a policy that is reported, not revised).
  case notRun = "not run"
  /// The check found the chosen rank faster than the original with confidence.
  case confirmed
  /// The check did not confirm the speed-up (paper and fastest keep their choice and say so).
  case notConfirmed = "not confirmed"
  /// Every candidate's check failed: robust keeps the original.
  case revokedToOriginal = "revoked to ORG"
  /// The run was interrupted during the checks: the decision stands unchecked (never revised by a
  /// partial check).
  case interrupted
}

/// A candidate whose paired check did not confirm a speed-up.
package struct RejectedCandidate: Codable, Sendable, Equatable {
  /// The rank whose check failed.
  package var rank: Int
  /// Its paired check against the original.
  package var comparison: PairedComparison
}
