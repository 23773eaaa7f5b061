import Decomposition
import Geometry
import Kernels
import Support
import Tensors

/// A whole ResNet ready to run as one timed step: every layer, activation and gradient allocated and
/// touched up front, so `run()` allocates nothing and never page-faults on first touch.
///
/// Layout NHWC float32; the torchvision v1.5 graph (stem conv + BN + ReLU + max-pool, bottlenecks with
/// downsample shortcuts and residual adds, global average pool, fc) with each layer computed as its
/// plan says (factors back to back, or a merged block's three convolutions).
///
/// * Inference: forward with batch norm's running statistics (BN, residual add and ReLU fused).
/// * Training: forward with batch statistics, softmax cross-entropy on fixed random labels, backward
///   through every operation (frozen factors skip their weight gradient; input gradients still flow;
///   the stem computes no input gradient), then SGD on every trained weight, BN's γ and β included.
package final class NetworkProgram {
  /// The layers and their factorizations.
  package let plan: NetworkPlan
  package let batch: Int
  package let mode: Mode
  /// SGD learning rate of the training step.
  package let learningRate: Float
  let steps: [NetworkStep]
  /// Activations: slot 0 is the image batch `[B, S, S, 3]`; the last is the logits `[B, 1, 1, classes]`.
  let slots: [Tensor]
  /// ∂L/∂slot (training; empty in inference).
  ///
  /// A downsample shortcut's output shares its block's output gradient (same values); the image has none (an
  /// empty tensor).
  let gradients: [Tensor]
  let labels: [Int32]
  /// The kernels SGD updates (every convolution and linear factor but the frozen ones) and every batch
  /// norm, gathered once so the update loop does not walk the steps.
  let trainedKernels: [Conv2D]
  let batchNorms: [BatchNorm]
  /// The loss of the last training step.
  package internal(set) var loss: Double = .nan

  /// Builds the program of `plan` with weights from `weights` (copied: training changes only this program's).
  ///
  /// `seed` draws the image batch (uniform, variance 1) and the labels.
  package init(
    plan: NetworkPlan, weights: NetworkWeights, batch: Int, mode: Mode, learningRate: Float = 1e-3,
    seed: UInt64 = 1
  ) throws {
    guard batch >= 1 else { throw ProgramError.setting(.batch, "must be at least 1") }
    self.plan = plan
    self.batch = batch
    self.mode = mode
    self.learningRate = learningRate
    let training = mode == .training
    var builder = Builder(batch: batch, training: training)
    let size = plan.catalog.imageSize
    let image = builder.slot(Tensor(uniform: [batch, size, size, 3], seed: seed))
    // Stem: conv, BN + ReLU, max-pool 3×3/2 pad 1.
    var x = try builder.layer(try weights.factors(of: plan.stem), plan.stem, from: image)
    x = builder.norm(x, relu: true)
    let stemOut = builder.slots[x].shape
    let pool = try MaxPool(
      ConvShape(
        inChannels: stemOut[3], outChannels: stemOut[3], kernel: 3, stride: 2, padding: 1,
        inputHeight: stemOut[1], inputWidth: stemOut[2]
      ).batched(batch))
    x = builder.pool(pool, from: x)
    for block in plan.blocks {
      let layers: [[FactorLayer]]
      if let ranks = block.merged {
        layers = try weights.mergedLayers(of: block, ranks: ranks).map { [$0] }
      } else {
        layers = try block.main.map { try weights.factors(of: $0) }
      }
      var y = x
      for index in 0..<2 {
        y = try builder.layer(layers[index], block.main[index], from: y)
        y = builder.norm(y, relu: true)
      }
      y = try builder.layer(layers[2], block.main[2], from: y)
      var shortcut = x
      if let downsample = block.downsample {
        shortcut = try builder.layer(try weights.factors(of: downsample), downsample, from: x)
        shortcut = builder.norm(shortcut, relu: false)
      }
      x = builder.norm(y, relu: true, residual: shortcut, sharesGradient: block.downsample != nil)
    }
    let features = builder.slots[x].shape
    let pooled = builder.slot(Tensor(zeros: [batch, 1, 1, features[3]]))
    builder.steps.append(.globalPool(input: x, output: pooled))
    _ = try builder.layer(try weights.factors(of: plan.fc), plan.fc, from: pooled)
    if training { builder.assignGradientWrites() }
    steps = builder.steps
    slots = builder.slots
    gradients = training ? builder.makeGradients() : []
    trainedKernels = builder.steps.compactMap {
      if case .conv(let step) = $0, step.trainable { return step.kernel } else { return nil }
    }
    batchNorms = builder.steps.compactMap {
      if case .norm(let step) = $0 { return step.norm } else { return nil }
    }
    var rng = SplitMix64(seed: seed &+ 0x1abe1)
    labels = (0..<batch).map { _ in Int32(rng.next() % UInt64(plan.catalog.classes)) }
  }

  /// The logits of the last step `[B, 1, 1, classes]`.
  package var output: Tensor { slots[slots.count - 1] }

  /// The convolution and linear kernels in forward order, with whether each is trained.
  var convolutions: [ConvStep] {
    steps.compactMap { if case .conv(let step) = $0 { return step } else { return nil } }
  }

  /// Batch norms in forward order.
  var norms: [NormStep] {
    steps.compactMap { if case .norm(let step) = $0 { return step } else { return nil } }
  }

  /// Weight tensors of every convolution and linear factor, in forward order, with whether trained.
  package var convolutionWeights: [(weight: Tensor, trained: Bool)] {
    convolutions.map { ($0.kernel.weight, $0.trainable) }
  }

  /// FLOPs of one step (batch included): forward, plus backward-data (every layer but the stem) and
  /// backward-weights (every trained factor) in training.
  package var flopsPerStep: Int {
    convolutions.reduce(0) { total, step in
      let forward = step.kernel.geometry.flops
      guard mode == .training else { return total + forward }
      return total + forward + (step.inputGradient == .none ? 0 : forward) + (step.trainable ? forward : 0)
    }
  }

  /// Bytes this program holds (activations, gradients, weights with their gradients, workspaces).
  package var bytes: Int {
    let tensors = slots.reduce(0) { $0 + $1.count } + gradients.reduce(0) { $0 + $1.count }
    let kernels = convolutions.reduce(0) { $0 + 2 * $1.kernel.weight.count + $1.kernel.workspaceBytes / 4 }
    return 4 * (tensors + kernels)
  }
}

/// Assembles a program's steps and slots in forward order.
private struct Builder {
  let batch: Int
  let training: Bool
  var steps: [NetworkStep] = []
  var slots: [Tensor] = []
  /// Slots whose gradient tensor is another slot's (downsample shortcuts → their block's output).
  var gradientAlias: [Int: Int] = [:]

  init(batch: Int, training: Bool) {
    self.batch = batch
    self.training = training
  }

  mutating func slot(_ tensor: Tensor) -> Int {
    slots.append(tensor)
    return slots.count - 1
  }

  /// The factors of one layer back to back; returns the output slot.
  mutating func layer(_ factors: [FactorLayer], _ planned: PlannedLayer, from input: Int) throws -> Int {
    var x = input
    for (index, factor) in factors.enumerated() {
      let geometry = factor.spec.geometry(batch: batch)
      let kernel = try Conv2D(
        geometry, weight: factor.weight.copy(), bias: factor.bias?.copy(), retainColumns: training,
        backend: planned.backend)
      let y = slot(Tensor(zeros: geometry.outputShape))
      steps.append(
        .conv(ConvStep(kernel: kernel, input: x, output: y, trainable: !planned.frozen.contains(index))))
      x = y
    }
    return x
  }

  /// A batch norm over slot `input` into a new slot (ReLU and residual fused); returns the output slot.
  mutating func norm(_ input: Int, relu: Bool, residual: Int? = nil, sharesGradient: Bool = false) -> Int {
    let shape = slots[input].shape
    let y = slot(Tensor(zeros: shape))
    steps.append(
      .norm(
        NormStep(
          norm: BatchNorm(channels: shape[shape.count - 1]), input: input, output: y, relu: relu,
          residual: residual)))
    if sharesGradient, let residual { gradientAlias[residual] = y }
    return y
  }

  mutating func pool(_ pool: MaxPool, from input: Int) -> Int {
    let y = slot(Tensor(zeros: pool.geometry.outputShape))
    steps.append(.maxPool(pool, input: input, output: y))
    return y
  }

  /// Decides, in backward order, which gradient write comes first into each slot (overwrite) and which
  /// later (accumulate); the image (slot 0) gets none.
  mutating func assignGradientWrites() {
    var written: Set<Int> = []
    func write(_ slot: Int) -> GradientWrite {
      if slot == 0 { return .none }
      return written.insert(slot).inserted ? .overwrite : .accumulate
    }
    for step in steps.reversed() {
      switch step {
      case .conv(let conv):
        conv.inputGradient = write(conv.input)
      case .norm(let norm):
        if let residual = norm.residual {
          norm.residualGradient = gradientAlias[residual] == norm.output ? .none : write(residual)
        }
        _ = write(norm.input)
      case .maxPool(_, let input, _), .globalPool(let input, _):
        _ = write(input)
      }
    }
  }

  /// One gradient tensor per slot (aliases share; the image gets an empty tensor).
  func makeGradients() -> [Tensor] {
    var gradients: [Tensor] = []
    for (index, slot) in slots.enumerated() {
      gradients.append(
        index == 0 || gradientAlias[index] != nil ? Tensor(zeros: [0]) : Tensor(zeros: slot.shape))
    }
    for (source, target) in gradientAlias { gradients[source] = gradients[target] }
    return gradients
  }
}
