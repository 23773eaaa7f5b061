import Networks
import Profiling
import Programs
import Tensors

/// One whole-network point: a model built as a variant, a batch, a mode and a thread config.
public struct ModelSpec: Codable, Sendable, Hashable, CustomStringConvertible {
  /// The ResNet.
  public var model: ResNetModel
  /// How the network is built from the original's weights.
  public var variant: NetworkVariant
  /// Compression ratio α of `lrd` layers.
  public var ratio: Double
  /// The policy whose choices `optimized:DIR` uses.
  public var policy: RankPolicy
  /// Images per step.
  public var batch: Int
  /// Inference or training.
  public var mode: Mode
  /// The thread config measured.
  public var threads: ThreadConfig
  /// Each catalog layer's kernel backend (`--backend best`: its fastest measured one; a decomposed layer's
  /// factors run on its backend); nil: every kernel on the process's backend.
  public var layerBackends: [String: GEMMBackend]?

  /// A network point; α = 2 and the robust policy by default.
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

  /// One line: model, variant, batch, mode and thread config.
  public var description: String {
    "\(model) \(variant) b\(batch) \(mode) \(threads.label)" + (layerBackends == nil ? "" : " best-backends")
  }
}

/// Everything recorded for one measured network point.
public struct ModelResult: MeasuredResult, Equatable {
  /// What was measured.
  public var spec: ModelSpec
  /// Order of measurement within its run (0-based).
  public var sequence: Int
  /// The network's measurement (seconds per step).
  public var measurement: PointMeasurement
  /// The original network measured interleaved with this one, and the comparison original → this.
  public var pairedReference: PointMeasurement?
  /// The paired comparison original → this network, nil when measured alone.
  public var comparison: PairedComparison?
  /// Layers, parameters and FLOPs of the network.
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
  /// Parameters, batch norm's γ and β included.
  public var parameters: Int
  /// FLOPs of one image's forward pass: 2 × multiply-adds.
  public var flopsPerImage: Int
  /// FLOPs of one timed step (batch and mode included).
  public var flopsPerStep: Int
  /// Bottlenecks kept original (optimized ranks that chose ORG for conv2).
  public var originalBlocks: [String]

  /// The counts of `plan`, with the step FLOPs of `program`'s batch and mode.
  public init(plan: NetworkPlan, program: NetworkProgram) {
    layers = plan.layerCount
    parameters = plan.parameterCount
    flopsPerImage = plan.flopsPerImage
    flopsPerStep = program.flopsPerStep
    originalBlocks = plan.variant.isDecomposed ? plan.originalBlocks : []
  }

  /// Δ% against the original network (README "Numerics": (x_variant / x_original − 1) × 100).
  public func percentChange(from original: NetworkCounts) -> (parameters: Double, flops: Double) {
    (
      (Double(parameters) / Double(original.parameters) - 1) * 100,
      (Double(flopsPerImage) / Double(original.flopsPerImage) - 1) * 100
    )
  }
}
