import Networks
import Profiling
import Programs

/// One whole-network point: a model built as a variant, a batch, a mode and a thread config.
public struct ModelSpec: Codable, Sendable, Hashable, CustomStringConvertible {
  public var model: ResNetModel
  public var variant: NetworkVariant
  /// Compression ratio α of `lrd` layers.
  public var ratio: Double
  /// The policy whose choices `optimized:DIR` uses.
  public var policy: RankPolicy
  public var batch: Int
  public var mode: Mode
  public var threads: ThreadConfig

  public init(
    model: ResNetModel, variant: NetworkVariant, ratio: Double = 2, policy: RankPolicy = .robust, batch: Int,
    mode: Mode, threads: ThreadConfig
  ) {
    self.model = model
    self.variant = variant
    self.ratio = ratio
    self.policy = policy
    self.batch = batch
    self.mode = mode
    self.threads = threads
  }

  /// The same point as the original network (the reference of a paired comparison).
  public var original: ModelSpec {
    var spec = self
    spec.variant = .original
    return spec
  }

  public var description: String { "\(model) \(variant) b\(batch) \(mode) \(threads.label)" }
}

/// Everything recorded for one measured network point.
public struct ModelResult: MeasuredResult, Equatable {
  public var spec: ModelSpec
  public var sequence: Int
  public var measurement: PointMeasurement
  /// The original network measured interleaved with this one, and the comparison original → this.
  public var pairedReference: PointMeasurement?
  public var comparison: PairedComparison?
  public var counts: NetworkCounts

  /// Seconds per step (median).
  public var seconds: Double { measurement.statistics.median }
  /// Images per second (batch / median step time).
  public var imagesPerSecond: Double { Double(spec.batch) / seconds }
  /// FLOPs of one step ÷ median time.
  public var gflops: Double { Double(counts.flopsPerStep) / seconds / 1e9 }
}

/// A network's size as the paper reports it, and the work of one timed step.
public struct NetworkCounts: Codable, Sendable, Equatable {
  /// Main-path weight layers (the paper's count).
  public var layers: Int
  public var parameters: Int
  public var flopsPerImage: Int
  /// FLOPs of one timed step (batch and mode included).
  public var flopsPerStep: Int
  /// Bottlenecks kept original (optimized ranks that chose ORG for conv2).
  public var originalBlocks: [String]

  public init(plan: NetworkPlan, program: NetworkProgram) {
    layers = plan.layerCount
    parameters = plan.parameterCount
    flopsPerImage = plan.flopsPerImage
    flopsPerStep = program.flopsPerStep
    originalBlocks = plan.variant.isDecomposed ? plan.originalBlocks : []
  }

  /// Δ% against the original network (DESIGN.md: (x_variant / x_original − 1) × 100).
  public func percentChange(from original: NetworkCounts) -> (parameters: Double, flops: Double) {
    (
      (Double(parameters) / Double(original.parameters) - 1) * 100,
      (Double(flopsPerImage) / Double(original.flopsPerImage) - 1) * 100
    )
  }
}
