import Decomposition
import Profiling

/// A policy's decision for one thread config, with what it changes.
public struct PolicyDecision: Codable, Sendable, Equatable {
  public var policy: RankPolicy
  public var choice: RankChoice
  /// The factorization chosen (nil = ORG).
  public var factorization: Factorization?
  /// T / t(r) from the sweep (1 for ORG).
  public var speedup: Double
  /// (params_variant / params_original − 1) × 100 (0 for ORG).
  public var parametersChangePercent: Double
  /// (FLOPs_variant / FLOPs_original − 1) × 100 (0 for ORG).
  public var flopsChangePercent: Double
  /// Interleaved confirmation against the original, when run.
  public var confirmation: PairedComparison?
  /// True when the decision was changed to ORG because the confirmation found no significant speed-up
  /// (robust policy only).
  public var revokedByConfirmation: Bool
}

/// The result of one thread config of a sweep.
public struct ThreadConfigSweep: Codable, Sendable, Equatable {
  public var config: ThreadConfig
  public var binding: BindingRecord
  /// Measurements of the original layer, in measurement order.
  public var references: [PointResult]
  /// One point per swept rank, largest rank first.
  public var ranks: [PointResult]
  /// What the policies saw: each rank with its nearest reference.
  public var timings: [RankTiming]
  public var decisions: [PolicyDecision]

  /// Median of the reference medians (the original's time T).
  public var referenceSeconds: Double {
    let medians = references.map(\.seconds).sorted()
    return medians.isEmpty ? .nan : medians[medians.count / 2]
  }

  /// (max − min) / median of the reference medians: how much the machine drifted during the sweep.
  public var referenceDrift: Double {
    let medians = references.map(\.seconds)
    guard let lo = medians.min(), let hi = medians.max(), referenceSeconds > 0 else { return 0 }
    return (hi - lo) / referenceSeconds
  }

  /// Ranks whose CI did not reach the sampler's target.
  public var pointsMissingTarget: [PointResult] {
    (references + ranks).filter { !$0.measurement.reachedTarget }
  }
}

/// Everything a sweep produced (the `sweep.json` file; schema versioned).
public struct SweepResult: Codable, Sendable, Equatable {
  public static let schemaVersion = "lrd-bench/sweep@1"
  public var schema: String = SweepResult.schemaVersion
  public var plan: SweepPlan
  public var layer: LayerSpecSnapshot
  public var fingerprint: MachineFingerprint
  public var topology: TopologySummary
  public var configs: [ThreadConfigSweep]
  /// True when the run was interrupted before every task was measured.
  public var interrupted: Bool
  /// Decomposition (SVD/HOSVD) time, paid once per sweep.
  public var decompositionSeconds: Double
  public var elapsedSeconds: Double
  public var comparisonMethod: String
}

/// The layer being swept, as stored in results.
public struct LayerSpecSnapshot: Codable, Sendable, Equatable {
  public var name: String
  public var shape: String
  public var inChannels: Int
  public var outChannels: Int
  public var kernel: Int
  public var parameters: Int
  public var macsPerImage: Int
  /// "svd" for 1×1/linear layers, "tucker2" for k×k.
  public var decomposition: String
  /// The rank at α (the sweep's default R).
  public var alphaRank: String
}
