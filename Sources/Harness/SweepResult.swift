import Decomposition
import Profiling

/// The result of one thread config of a sweep.
public struct ThreadConfigSweep: Codable, Sendable, Equatable {
  public var config: ThreadConfig
  public var binding: BindingRecord
  /// Measurements of the original layer alone, in measurement order.
  public var references: [PointResult]
  /// One point per swept rank, largest rank first (each paired with the original).
  public var ranks: [PointResult]
  /// The anchor R + step (paired with the original), when measured.
  public var anchor: PointResult?
  /// What the policies saw: each rank with the original measured alongside it.
  public var timings: [RankTiming]
  public var anchorTiming: RankTiming?
  public var decisions: [PolicyDecision]

  /// Median of the reference medians (the original's time T).
  public var referenceSeconds: Double {
    let medians = references.map(\.seconds).sorted()
    return medians.isEmpty ? .nan : SampleStatistics.quantile(medians, 0.5)
  }

  /// (max − min) / median of the reference medians: how much the machine drifted during the sweep.
  public var referenceDrift: Double {
    let medians = references.map(\.seconds)
    guard let lo = medians.min(), let hi = medians.max(), referenceSeconds > 0 else { return 0 }
    return (hi - lo) / referenceSeconds
  }

  /// Points whose precision target was not reached (budget ran out first).
  public var pointsMissingTarget: [PointResult] {
    (references + ranks).filter { !$0.measurement.reachedTarget }
  }
}

/// Everything a sweep produced (the `sweep.json` file; schema versioned).
public struct SweepResult: Codable, Sendable, Equatable {
  public static let schemaVersion = "lrd-bench/sweep@2"
  public var schema: String = SweepResult.schemaVersion
  public var plan: SweepPlan
  public var layer: LayerSpecSnapshot
  public var fingerprint: MachineFingerprint
  public var topology: TopologySummary
  public var configs: [ThreadConfigSweep]
  /// True when the run was interrupted (while measuring or checking): partial results.
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
