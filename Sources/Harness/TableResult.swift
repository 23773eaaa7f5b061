import Networks
import Profiling
import Programs

/// A speed-up measured paired with the original network, as DESIGN.md defines it:
/// (t_original / t_variant − 1) × 100, with the 95% CI of the paired comparison.
public struct SpeedupCell: Codable, Sendable, Equatable {
  public var percent: Double
  public var lower: Double
  public var upper: Double
  public var pairs: Int
  public var unstable: Bool
  /// The variant's images/s and the original's, measured together.
  public var imagesPerSecond: Double
  /// images/s at the ends of the variant's median 95% CI.
  public var imagesPerSecondLower: Double
  public var imagesPerSecondUpper: Double
  public var originalImagesPerSecond: Double
  /// Set when the cell reuses another row's measurement of the same network (e.g. freezing in
  /// inference is vanilla LRD).
  public var sameNetworkAs: String?

  public init(_ result: ModelResult, sameNetworkAs: String? = nil) {
    let comparison = result.comparison
    percent = ((comparison?.speedup ?? .nan) - 1) * 100
    lower = (1 / (comparison?.ratioCI.upper ?? .nan) - 1) * 100
    upper = (1 / (comparison?.ratioCI.lower ?? .nan) - 1) * 100
    pairs = comparison?.pairs ?? 0
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
  public var halfWidth: Double { (upper - lower) / 2 }
}

/// One row of Table 3 measured here.
public struct TechniqueRow: Codable, Sendable, Equatable {
  public var technique: Technique
  /// The network measured, per mode (they differ for the best combination).
  public var inferenceVariant: String?
  public var trainingVariant: String?
  public var layers: Int
  public var parametersChangePercent: Double
  public var flopsChangePercent: Double
  public var training: SpeedupCell?
  public var inference: SpeedupCell?
}

/// One point of the whole-network Figure 5.
public struct BranchCountPoint: Codable, Sendable, Equatable {
  public var branches: Int
  public var inference: SpeedupCell?
  public var training: SpeedupCell?
}

/// Table 1 for one model: the original and vanilla LRD.
public struct ModelSummary: Codable, Sendable, Equatable {
  public var layers: Int
  public var parameters: Int
  public var flopsPerImage: Int
  public var trainingImagesPerSecond: Double?
  public var inferenceImagesPerSecond: Double?
}

/// Everything `table` measured for one model.
public struct ModelTable: Codable, Sendable, Equatable {
  public var model: ResNetModel
  public var original: ModelSummary
  public var lrd: ModelSummary?
  public var rows: [TechniqueRow]
  public var figure5: [BranchCountPoint]
  /// The branch count of the branching row (the best of the Figure 5 sweep, both modes together).
  public var chosenBranches: Int?
  /// Where optimized ranks came from, and how long the quick ranks study took (when it ran here).
  public var ranksDirectory: String?
  public var ranksSeconds: Double?
  public var notes: [String]
}

/// The `table` result (schema-versioned): every model's tables, all measurements, the machine.
public struct TableResult: Codable, Sendable {
  public static let schemaVersion = "lrd-bench/table@1"
  public var schema = TableResult.schemaVersion
  public var plan: TablePlan
  public var models: [ModelTable]
  /// Every paired measurement (all samples of the variant and of the original).
  public var measurements: [ModelResult]
  /// A 2048³ sgemm on the table's threads at the start and the end.
  public var peak: [SGEMMRate]
  public var binding: BindingRecord?
  public var fingerprint: MachineFingerprint
  public var interrupted: Bool
  /// Wall time of this process, in seconds (a resumed run's earlier sessions are not included).
  public var elapsedSeconds: Double
  /// Measurements read back from the journal of an earlier, interrupted session (nil or 0: none).
  public var resumedMeasurements: Int?
  public var comparisonMethod: String
}
