import Machine
import Networks
import ONNX
import Profiling
import Programs
import Statistics
import Tensors

/// One whole-network point: a model built as a variant, a batch, a mode and a thread config.
package struct ModelSpec: Codable, Sendable, Hashable, CustomStringConvertible {
  package var model: ResNetModel
  /// How the network is built from the original's weights.
  package var variant: NetworkVariant
  /// Compression ratio α of `lrd` layers.
  package var ratio: Double
  /// The policy whose choices `optimized:DIR` uses.
  package var policy: RankPolicy
  package var batch: Int
  package var mode: Mode
  /// The thread config measured.
  package var threads: ThreadConfig
  /// Each catalog layer's kernel backend (`--backend best`: its fastest measured one; a decomposed layer's
  /// factors run on its backend); nil: every kernel on the process's backend.
  package var layerBackends: [String: GEMMBackend]?
  /// An imported (ONNX) network measured instead of `model` (nil: the catalog model), eager graph.
  package var onnx: ModelFile?

  /// A network point; α = 2 and the robust policy by default.
  package init(
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
  package var original: ModelSpec {
    var spec = self
    spec.variant = .original
    return spec
  }

  /// One line: model, variant, batch, mode and thread config.
  package var description: String {
    "\(onnx?.stem ?? model.rawValue) \(variant) b\(batch) \(mode) \(threads.label)"
      + (layerBackends == nil ? "" : " best-backends")
  }
}

/// Everything recorded for one measured network point.
package struct ModelResult: MeasuredResult, Equatable {
  package var spec: ModelSpec
  /// Order of measurement within its run (0-based).
  package var sequence: Int
  /// The network's measurement (seconds per step).
  package var measurement: PointMeasurement
  /// The original network measured interleaved with this one, and the comparison original → this.
  package var pairedReference: PointMeasurement?
  /// The paired comparison original → this network, nil when measured alone.
  package var comparison: PairedComparison?
  /// Layers, parameters and FLOPs of the network.
  package var counts: NetworkCounts

  /// Seconds per step (median).
  package var seconds: Double { measurement.statistics.median }
  /// Images per second (batch / median step time).
  package var imagesPerSecond: Double { Double(spec.batch) / seconds }
  /// FLOPs of one step ÷ median time.
  package var gflops: Double { Double(counts.flopsPerStep) / seconds / 1e9 }
}

/// A network's size as the paper reports it, and the work of one timed step.
package struct NetworkCounts: Codable, Sendable, Equatable {
  /// Main-path weight layers (the paper's count).
  package var layers: Int
  /// Parameters, batch norm's γ and β included.
  package var parameters: Int
  /// FLOPs of one image's forward pass: 2 × multiply-adds.
  package var flopsPerImage: Int
  /// FLOPs of one timed step (batch and mode included).
  package var flopsPerStep: Int
  /// Bottlenecks kept original (optimized ranks that chose ORG for conv2).
  package var originalBlocks: [String]

  /// The counts of `plan`, with the step FLOPs of `program`'s batch and mode.
  package init(plan: NetworkPlan, program: NetworkProgram) {
    layers = plan.layerCount
    parameters = plan.parameterCount
    flopsPerImage = plan.flopsPerImage
    flopsPerStep = program.flopsPerStep
    originalBlocks = plan.variant.isDecomposed ? plan.originalBlocks : []
  }

  /// The counts of an imported network as `built`: every factor of every layer (an imported graph has no
  /// main path to single out), parameters with batch norm's γ and β, and the step FLOPs of `program`.
  package init(built: ImportedNetworkTiming.Built, program: GraphProgram) {
    let factors = built.factors.values.joined()
    layers = factors.count
    parameters = built.parameterCount
    flopsPerImage = factors.reduce(0) { $0 + $1.spec.flopsPerImage }
    flopsPerStep = program.flopsPerStep
    originalBlocks = []
  }

  /// Δ% against the original network (docs/methods.md "Numerics": (x_variant / x_original − 1) × 100).
  package func percentChange(from original: NetworkCounts) -> (parameters: Double, flops: Double) {
    (
      (Double(parameters) / Double(original.parameters) - 1) * 100,
      (Double(flopsPerImage) / Double(original.flopsPerImage) - 1) * 100
    )
  }
}
