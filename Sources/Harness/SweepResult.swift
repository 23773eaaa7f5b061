import Machine
import Statistics
import Support

/// The result of one thread config of a sweep.
package struct ThreadConfigSweep: Codable, Sendable, Equatable {
  package var config: ThreadConfig
  /// The binding read back for it.
  package var binding: BindingRecord
  /// Measurements of the original layer alone, in measurement order.
  package var references: [PointResult]
  /// One point per swept rank, largest rank first (each paired with the original).
  package var ranks: [PointResult]
  /// The anchor R + step (paired with the original), when measured.
  package var anchor: PointResult?
  /// What the policies saw: each rank with the original measured alongside it.
  package var timings: [RankTiming]
  /// The anchor's timing, when the anchor was measured.
  package var anchorTiming: RankTiming?
  package var decisions: [PolicyDecision]
  /// The original's run-wide median T_run (every sample of it paired with a rank, over all passes), in seconds:
  /// what t(r) = (t/T) × T_run is plotted from; nil in results written before it was kept.
  package var originalRunSeconds: Double?

  /// Median of the reference medians (the original's time T).
  package var referenceSeconds: Double {
    let medians = references.map(\.seconds).sorted()
    return medians.isEmpty ? .nan : SampleStatistics.quantile(medians, 0.5)
  }

  /// (max − min) / median of the reference medians: how much the machine drifted during the sweep.
  package var referenceDrift: Double {
    let medians = references.map(\.seconds)
    guard let lo = medians.min(), let hi = medians.max(), referenceSeconds > 0 else { return 0 }
    return (hi - lo) / referenceSeconds
  }

  /// Points whose precision target was not reached (budget ran out first): for a rank, its pooled paired
  /// ratio's CI is wider than ±`target`; for the original alone, its own measurement missed its target.
  package func pointsMissingTarget(_ target: Double) -> [PointResult] {
    references.filter { !$0.measurement.reachedTarget }
      + ranks.filter { ($0.comparison?.relativeHalfWidth ?? .infinity) > target }
  }
}

/// Everything a sweep produced (the `sweep.json` file; schema versioned).
package struct SweepResult: Codable, Sendable, Equatable {
  /// The schema string of `sweep.json`.
  package static let schemaVersion = "lrd-bench/sweep@2"
  /// The schema of this result.
  package var schema: String = SweepResult.schemaVersion
  package var plan: SweepPlan
  /// The layer, as stored in results.
  package var layer: LayerSpecSnapshot
  /// The machine the sweep ran on.
  package var fingerprint: MachineFingerprint
  /// hwloc's topology of the machine.
  package var topology: TopologySummary
  /// One result per thread config, in the plan's order.
  package var configs: [ThreadConfigSweep]
  /// True when the run was interrupted (while measuring or checking): partial results.
  package var interrupted: Bool
  /// For a `cliffs` sweep, the grid its first ranks came from.
  package var cliffGrid: CliffGrid?
  /// The original timed briefly on every installed kernel library before measuring (nil when skipped or in
  /// results written before the check existed).
  package var backendCheck: BackendCheck?
  /// Decomposition (SVD/HOSVD) time, paid once per sweep.
  package var decompositionSeconds: Double
  /// Wall time of this process, in seconds.
  package var elapsedSeconds: Double
  /// How the paired comparisons were computed, in words.
  package var comparisonMethod: String
  /// The shard of the thread configs this result holds; nil for a whole sweep, merged or not.
  package var shard: Shard?
  /// For a merged sweep: each shard's directory and the thread configs it measured.
  package var mergedFrom: [MergedShard]?
}

/// The layer being swept, as stored in results.
package struct LayerSpecSnapshot: Codable, Sendable, Equatable {
  /// The layer's torchvision name.
  package var name: String
  /// The shape in words, for example `512→512 3×3 s1 p1 @ 7×7`.
  package var shape: String
  package var inChannels: Int
  package var outChannels: Int
  package var kernel: Int
  /// Weights of the original layer.
  package var parameters: Int
  /// Multiply-adds per image of the original layer.
  package var macsPerImage: Int
  /// "svd" for 1×1/linear layers, "tucker2" for k×k.
  package var decomposition: String
  /// The rank at α (the sweep's default R).
  package var alphaRank: String
}
