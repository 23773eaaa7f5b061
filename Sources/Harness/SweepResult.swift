import Decomposition
import Profiling

/// The result of one thread config of a sweep.
public struct ThreadConfigSweep: Codable, Sendable, Equatable {
  /// The thread config.
  public var config: ThreadConfig
  /// The binding read back for it.
  public var binding: BindingRecord
  /// Measurements of the original layer alone, in measurement order.
  public var references: [PointResult]
  /// One point per swept rank, largest rank first (each paired with the original).
  public var ranks: [PointResult]
  /// The anchor R + step (paired with the original), when measured.
  public var anchor: PointResult?
  /// What the policies saw: each rank with the original measured alongside it.
  public var timings: [RankTiming]
  /// The anchor's timing, when the anchor was measured.
  public var anchorTiming: RankTiming?
  /// Each policy's decision.
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
  /// The schema string of `sweep.json`.
  public static let schemaVersion = "lrd-bench/sweep@2"
  /// The schema of this result.
  public var schema: String = SweepResult.schemaVersion
  /// What was measured.
  public var plan: SweepPlan
  /// The layer, as stored in results.
  public var layer: LayerSpecSnapshot
  /// The machine the sweep ran on.
  public var fingerprint: MachineFingerprint
  /// hwloc's topology of the machine.
  public var topology: TopologySummary
  /// One result per thread config, in the plan's order.
  public var configs: [ThreadConfigSweep]
  /// True when the run was interrupted (while measuring or checking): partial results.
  public var interrupted: Bool
  /// The original timed briefly on every installed kernel library before measuring (nil when skipped or in
  /// results written before the check existed).
  public var backendCheck: BackendCheck?
  /// Decomposition (SVD/HOSVD) time, paid once per sweep.
  public var decompositionSeconds: Double
  /// Wall time of this process, in seconds.
  public var elapsedSeconds: Double
  /// How the paired comparisons were computed, in words.
  public var comparisonMethod: String
}

/// The layer being swept, as stored in results.
public struct LayerSpecSnapshot: Codable, Sendable, Equatable {
  /// The layer's torchvision name.
  public var name: String
  /// The shape in words, for example `512→512 3×3 s1 p1 @ 7×7`.
  public var shape: String
  /// Input channels.
  public var inChannels: Int
  /// Output channels.
  public var outChannels: Int
  /// Kernel extent k.
  public var kernel: Int
  /// Weights of the original layer.
  public var parameters: Int
  /// Multiply-adds per image of the original layer.
  public var macsPerImage: Int
  /// "svd" for 1×1/linear layers, "tucker2" for k×k.
  public var decomposition: String
  /// The rank at α (the sweep's default R).
  public var alphaRank: String
}
