import Machine
import Networks
import ONNX
import Profiling
import Programs
import Support

/// A speed-up measured paired with the original network, as the user guide (docs/guide.md, "table") defines it:
/// (t_original / t_variant − 1) × 100, with the 95% CI of the paired comparison.
package struct SpeedupCell: Codable, Sendable, Equatable {
  /// The speed-up in percent.
  package var percent: Double
  /// Lower bound of the speed-up's 95% CI, in percent.
  package var lower: Double
  /// Upper bound of the speed-up's 95% CI, in percent.
  package var upper: Double
  package var pairs: Int
  /// True when the CI is the exact order-statistics interval (a comparison of few pairs); nil in results
  /// written before the choice existed.
  package var exactInterval: Bool?
  /// True when the CI is wider than ±5% or the run's two halves disagree by more than 2%.
  package var unstable: Bool
  /// The variant's images/s and the original's, measured together.
  package var imagesPerSecond: Double
  /// images/s at the ends of the variant's median 95% CI.
  package var imagesPerSecondLower: Double
  /// images/s at the lower end of the variant's median 95% CI.
  package var imagesPerSecondUpper: Double
  /// The original's images/s, measured interleaved with the variant.
  package var originalImagesPerSecond: Double
  /// Set when the cell reuses another row's measurement of the same network (for example freezing in
  /// inference is vanilla LRD).
  package var sameNetworkAs: String?

  /// A cell from a paired network measurement.
  package init(_ result: ModelResult, sameNetworkAs: String? = nil) {
    let comparison = result.comparison
    percent = ((comparison?.speedup ?? .nan) - 1) * 100
    lower = (1 / (comparison?.ratioCI.upper ?? .nan) - 1) * 100
    upper = (1 / (comparison?.ratioCI.lower ?? .nan) - 1) * 100
    pairs = comparison?.pairs ?? 0
    exactInterval = comparison?.usesExactInterval
    unstable = comparison?.isUnstable ?? true
    imagesPerSecond = result.imagesPerSecond
    let statistics = result.measurement.statistics
    imagesPerSecondLower = Double(result.spec.batch) / statistics.medianCI.upper
    imagesPerSecondUpper = Double(result.spec.batch) / statistics.medianCI.lower
    let reference = result.pairedReference?.statistics.median ?? .nan
    originalImagesPerSecond = Double(result.spec.batch) / reference
    self.sameNetworkAs = sameNetworkAs
  }

  /// Half the CI's width in percentage points.
  package var halfWidth: Double { (upper - lower) / 2 }
}

/// One row of Table 3 measured here.
package struct TechniqueRow: Codable, Sendable, Equatable {
  package var technique: Technique
  /// The network measured, per mode (they differ for the best combination).
  package var inferenceVariant: String?
  /// The network measured in training, nil when the technique has no training row.
  package var trainingVariant: String?
  /// Layers, counted as the paper counts them.
  package var layers: Int
  /// (params_network / params_original − 1) × 100.
  package var parametersChangePercent: Double
  /// (FLOPs_network / FLOPs_original − 1) × 100.
  package var flopsChangePercent: Double
  /// The training speed-up, nil when not measured.
  package var training: SpeedupCell?
  /// The inference speed-up, nil when not measured.
  package var inference: SpeedupCell?
  /// For a row whose network was chosen from measurements (branching's N, the best combination): the
  /// measurement it was chosen on, per mode; the row's own cells come from a second, independent one.
  package var inferenceAtSelection: SpeedupCell? = nil
  /// The training measurement a chosen row was chosen on.
  package var trainingAtSelection: SpeedupCell? = nil
}

/// One combination of techniques tried for the best-combination row, in one mode, with its screening run.
package struct CombinationTrial: Codable, Sendable, Equatable {
  package var mode: Mode
  /// The network, for example `optimized+merged+branched:4`.
  package var variant: String
  /// Its screening measurement (a third of the budget), nil when not measured.
  package var screening: SpeedupCell?
}

/// One point of the whole-network Figure 5.
package struct BranchCountPoint: Codable, Sendable, Equatable {
  /// The branch count N (1 is vanilla LRD).
  package var branches: Int
  /// The inference speed-up of vanilla LRD with N branches.
  package var inference: SpeedupCell?
  /// The training speed-up of vanilla LRD with N branches.
  package var training: SpeedupCell?
}

/// Table 1 for one model: the original and vanilla LRD.
package struct ModelSummary: Codable, Sendable, Equatable {
  /// Layers, counted as the paper counts them.
  package var layers: Int
  /// Parameters, batch norm included.
  package var parameters: Int
  /// FLOPs of one image's forward pass.
  package var flopsPerImage: Int
  /// Training images per second, nil when not measured.
  package var trainingImagesPerSecond: Double?
  /// Inference images per second, nil when not measured.
  package var inferenceImagesPerSecond: Double?
}

/// Everything `table` measured for one model.
package struct ModelTable: Codable, Sendable, Equatable {
  /// The catalog model; for an imported network it only stands for `onnx` (the plan's one model).
  package var model: ResNetModel
  /// The imported (ONNX) network measured instead of `model`, nil for a catalog model.
  package var onnx: ModelFile? = nil
  /// The original network's row of Table 1.
  package var original: ModelSummary
  /// Vanilla LRD's row of Table 1, nil when not measured.
  package var lrd: ModelSummary?
  /// Table 3's rows, in the plan's technique order.
  package var rows: [TechniqueRow]
  /// Figure 5's points, in branch order.
  package var figure5: [BranchCountPoint]
  /// The branch count of the branching row (the best of the Figure 5 sweep, both modes together).
  package var chosenBranches: Int?
  /// Where optimized ranks came from, and how long the quick ranks study took (when it ran here).
  package var ranksDirectory: String?
  /// Seconds the quick ranks study took in this process, nil when ranks were given.
  package var ranksSeconds: Double?
  /// What the reader needs to interpret the figures (the stem is kept, layer counts, …).
  package var notes: [String]
  /// Every combination tried for the best-combination row (nil in results written before the search).
  package var combinations: [CombinationTrial]? = nil

  /// The model's name in reports: "ResNet-50", or the ONNX file's stem.
  package var displayName: String { onnx?.stem ?? model.displayName }
  /// The model's name in files and CSV columns: "resnet50", or the ONNX file's stem.
  package var unitName: String { onnx?.stem ?? model.rawValue }
}

/// The `table` result (schema-versioned): every model's tables, all measurements, the machine.
package struct TableResult: Codable, Sendable {
  /// The schema string of `table.json`.
  package static let schemaVersion = "lrd-bench/table@1"
  /// The schema of this result.
  package var schema = TableResult.schemaVersion
  package var plan: TablePlan
  /// One table per model, in the plan's order.
  package var models: [ModelTable]
  /// Every paired measurement (all samples of the variant and of the original).
  package var measurements: [ModelResult]
  /// A 2048³ sgemm on the table's threads at the start and the end (of each shard, for a merged table).
  package var peak: [SGEMMRate]
  /// The binding read back for the thread config.
  package var binding: BindingRecord?
  /// The machine the study ran on.
  package var fingerprint: MachineFingerprint
  /// True when the run was interrupted: partial results.
  package var interrupted: Bool
  /// The original timed briefly on every installed kernel library before measuring (nil when skipped or in
  /// results written before the check existed).
  package var backendCheck: BackendCheck?
  /// Wall time of this process, in seconds (a resumed run's earlier sessions are not included).
  package var elapsedSeconds: Double
  /// Measurements read back from the journal of an earlier, interrupted session (nil or 0: none).
  package var resumedMeasurements: Int?
  /// How the paired comparisons were computed, in words.
  package var comparisonMethod: String
  /// The shard of the models this result holds; nil for a whole table, merged or not.
  package var shard: Shard?
  /// For a merged table: each shard's directory and the models it measured.
  package var mergedFrom: [MergedShard]?
  /// The quick ranks studies run for models without given ranks, for their own reports; not part of
  /// `table.json`.
  package var ranksRuns: [ChildRun<RanksResult>] = []

  enum CodingKeys: String, CodingKey {
    case schema, plan, models, measurements, peak, binding, fingerprint, interrupted, backendCheck
    case elapsedSeconds, resumedMeasurements, comparisonMethod, shard, mergedFrom
  }
}
