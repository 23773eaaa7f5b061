import Decomposition
import Geometry
import Kernels
import Support
import Tensors

/// How a graph's operations are laid out as kernels.
package enum GraphMode: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Every operation its own pass over memory, as a framework runs it eagerly (the paper's setting).
  case eager
  /// Batch norm folded into the convolution before it (its last factor, after decomposition), the ReLU after
  /// it inside that convolution (a oneDNN post-op; one pass over its output on the other libraries), other
  /// ReLUs in place, and a residual add with its ReLU in one pass: what inference engines such as ONNX Runtime
  /// do.
  case fused

  package var description: String { rawValue }
}

/// A `GraphSpec` ready to run: each layer as its factors' convolutions back to back, every other operation as a
/// kernel of its own (`eager`) or folded and fused (`fused`, inference only), every activation (and in training
/// every gradient) allocated and touched up front, so `run()` allocates nothing.
///
/// * Inference: a forward pass, batch norm with the file's running statistics.
/// * Training (eager only): forward with batch statistics, softmax cross-entropy on fixed random labels (over the
///   logits: a final Softmax is left out, as frameworks train on logits), backward through every operation
///   (frozen factors skip their weight gradient), then SGD on every trained factor and batch norm's γ and β. A
///   constant bias of an Add passes its gradient on and is not trained.
package final class GraphProgram {
  enum Step {
    /// `trainable`: false for a frozen factor (no weight gradient, no update).
    case conv(Conv2D, input: Int, output: Int, trainable: Bool)
    case norm(BatchNorm, input: Int, output: Int)
    case relu(input: Int, output: Int)
    case maxPool(MaxPool, input: Int, output: Int)
    case averagePool(kernel: Int, stride: Int, padding: Int, countsPadding: Bool, input: Int, output: Int)
    case globalPool(input: Int, output: Int)
    case add(inputs: [Int], output: Int, relu: Bool)
    case addBias(Tensor, input: Int, output: Int)
    case softmax(input: Int, output: Int)
    case pad(top: Int, left: Int, value: Float, input: Int, output: Int)
  }

  package let spec: GraphSpec
  package let batch: Int
  /// Inference (a forward pass) or training (forward, backward and update).
  package let step: Mode
  /// SGD learning rate of the training step.
  package let learningRate: Float
  let steps: [Step]
  /// Activations by slot (aliases share a tensor).
  let slots: [Tensor]
  /// Every convolution and linear kernel, in forward order.
  package let kernels: [Conv2D]
  /// Training state, empty in inference.
  ///
  /// ∂L/∂slot (aliases share a tensor; the image has an empty one), how each step writes its inputs' gradients,
  /// the labels, the loss's slot and what SGD updates.
  let gradients: [Tensor]
  let writes: [[GradientWrite]]
  /// Per step: where an input gradient is computed first when it must be added to another consumer's (kernels
  /// that only overwrite), nil elsewhere.
  let scratch: [Tensor?]
  let labels: [Int32]
  let logits: Int
  let trainedKernels: [Conv2D]
  let norms: [BatchNorm]
  /// The loss of the last training step.
  package internal(set) var loss: Double = .nan

  /// Builds the program of `spec` at `batch`, laid out as `mode` says, for an inference or training `step`.
  ///
  /// `factors` gives each layer's factors (the original layer as one factor, or its decomposition); in training,
  /// `frozen` says which factors of a decomposed layer (two factors or more) are not trained. The image is
  /// seeded uniform random; the labels from `seed` too.
  package init(
    spec: GraphSpec, batch: Int, mode: GraphMode = .eager, step: Mode = .inference,
    frozen: FrozenFactors = .none,
    learningRate: Float = 1e-3, seed: UInt64 = 1, factors: (String) throws -> [FactorLayer]
  ) throws {
    guard batch >= 1 else { throw ProgramError.setting(.batch, "must be at least 1") }
    let training = step == .training
    if training && mode == .fused {
      throw ProgramError.invalidRequest(
        "the fused graph mode is for inference (batch norm folded into its running statistics); train eager")
    }
    self.spec = spec
    self.batch = batch
    self.step = step
    self.learningRate = learningRate
    func batched(_ shape: [Int]) -> [Int] { [batch] + shape.dropFirst() }
    var slots: [Tensor?] = Array(repeating: nil, count: spec.shapes.count)
    slots[spec.input] = Tensor(uniform: batched(spec.shapes[spec.input]), seed: seed)
    var steps: [Step] = []
    var kernels: [Conv2D] = []
    func tensor(_ slot: Int) -> Tensor {
      if let made = slots[slot] { return made }
      let made = Tensor(zeros: batched(spec.shapes[slot]))
      slots[slot] = made
      return made
    }
    var consumers = [Int](repeating: 0, count: spec.shapes.count)
    for node in spec.nodes { for slot in node.inputs { consumers[slot] += 1 } }
    /// Fused: nodes already folded into the one before them.
    var skipped: Set<Int> = []
    // Training leaves out a final Softmax: the loss is taken over its input, the logits.
    var logits = spec.output
    if training, let last = spec.nodes.last, case .softmax = last.operation, last.output == spec.output,
      let input = last.inputs.first
    {
      logits = input
      skipped.insert(spec.nodes.count - 1)
    }
    for (position, node) in spec.nodes.enumerated() where !skipped.contains(position) {
      let input = node.inputs.first ?? spec.input
      let next = position + 1 < spec.nodes.count ? spec.nodes[position + 1] : nil
      let feedsNextAlone = next?.inputs == [node.output] && consumers[node.output] == 1
      switch node.operation {
      case .layer(let name):
        var x = input
        var layers = try factors(name)
        var reluFused = false
        if mode == .fused, feedsNextAlone, let next,
          case .batchNorm(let scale, let shift, let mean, let variance, let epsilon) = next.operation
        {
          layers[layers.count - 1] = Self.folding(
            layers[layers.count - 1], scale: scale, shift: shift, mean: mean, variance: variance,
            epsilon: epsilon)
          skipped.insert(position + 1)
          slots[next.output] = tensor(node.output)
          // A ReLU that alone reads the normalized output runs inside the last factor's kernel.
          if position + 2 < spec.nodes.count, case .relu = spec.nodes[position + 2].operation,
            spec.nodes[position + 2].inputs == [next.output], consumers[next.output] == 1
          {
            reluFused = true
            skipped.insert(position + 2)
            slots[spec.nodes[position + 2].output] = tensor(node.output)
          }
        }
        let frozenFactors = layers.count > 1 ? frozen.indices(factorCount: layers.count) : []
        for (index, factor) in layers.enumerated() {
          let kernel = try Conv2D(
            factor.spec.geometry(batch: batch), weight: factor.weight.copy(), bias: factor.bias?.copy(),
            retainColumns: training, relu: reluFused && index == layers.count - 1)
          // Intermediate factors get slots of their own, after the spec's.
          let y: Int
          if index == layers.count - 1 {
            y = node.output
          } else {
            slots.append(Tensor(zeros: kernel.geometry.outputShape))
            y = slots.count - 1
          }
          _ = tensor(x)
          _ = tensor(y)
          steps.append(.conv(kernel, input: x, output: y, trainable: !frozenFactors.contains(index)))
          kernels.append(kernel)
          x = y
        }
      case .batchNorm(let scale, let shift, let mean, let variance, let epsilon):
        let norm = BatchNorm(channels: scale.count, epsilon: epsilon)
        norm.gamma.assign(scale)
        norm.beta.assign(shift)
        norm.runningMean.assign(mean)
        norm.runningVariance.assign(variance)
        steps.append(.norm(norm, input: input, output: node.output))
      case .relu:
        if mode == .fused && consumers[input] == 1 && input != spec.input {
          slots[node.output] = tensor(input)
        }
        steps.append(.relu(input: input, output: node.output))
      case .maxPool(let kernel, let stride, let padding):
        let shape = spec.shapes[input]
        let pool = try MaxPool(
          ConvShape(
            inChannels: shape[3], outChannels: shape[3], kernel: kernel, stride: stride, padding: padding,
            inputHeight: shape[1], inputWidth: shape[2]
          ).batched(batch))
        steps.append(.maxPool(pool, input: input, output: node.output))
      case .averagePool(let kernel, let stride, let padding, let countsPadding):
        steps.append(
          .averagePool(
            kernel: kernel, stride: stride, padding: padding, countsPadding: countsPadding, input: input,
            output: node.output))
      case .globalAveragePool: steps.append(.globalPool(input: input, output: node.output))
      case .add:
        var relu = false
        if mode == .fused, feedsNextAlone, let next, case .relu = next.operation {
          relu = true
          skipped.insert(position + 1)
          slots[next.output] = tensor(node.output)
        }
        steps.append(.add(inputs: node.inputs, output: node.output, relu: relu))
      case .addBias(let bias):
        steps.append(.addBias(Tensor(shape: [bias.count], scalars: bias), input: input, output: node.output))
      case .softmax: steps.append(.softmax(input: input, output: node.output))
      case .alias:
        slots[node.output] = tensor(input)
        continue
      case .pad(let top, let left, _, _, let value):
        steps.append(.pad(top: top, left: left, value: value, input: input, output: node.output))
      }
      for slot in node.inputs + [node.output] { _ = tensor(slot) }
    }
    let built = slots.map { $0 ?? Tensor(zeros: [0]) }
    self.slots = built
    self.steps = steps
    self.kernels = kernels
    self.logits = logits
    let backward = training ? Self.backwardPlan(steps: steps, slots: built, image: spec.input) : .init()
    gradients = backward.gradients
    writes = backward.writes
    scratch = backward.scratch
    trainedKernels = steps.compactMap {
      if case .conv(let kernel, _, _, true) = $0, training { return kernel } else { return nil }
    }
    norms = steps.compactMap { if case .norm(let norm, _, _) = $0 { return norm } else { return nil } }
    let classes = built[logits].shape.last ?? 1
    var rng = SplitMix64(seed: seed &+ 0x1abe1)
    labels = training ? (0..<batch).map { _ in Int32(rng.next() % UInt64(max(classes, 1))) } : []
  }

  /// The image batch `[N, H, W, C]` (write it before `run()` to feed a given input).
  package var input: Tensor { slots[spec.input] }
  /// The network's output after `run()`.
  package var output: Tensor { slots[spec.output] }

  /// Kernels run per forward pass (convolutions, norms, elementwise and pooling passes).
  package var stepCount: Int { steps.count }

  /// FLOPs of one forward pass (convolution and linear layers, batch included).
  package var flopsPerCall: Int { kernels.reduce(0) { $0 + $1.geometry.flops } }

  /// FLOPs of one step (batch included): forward, plus in training backward-data (every layer whose input needs
  /// a gradient) and backward-weights (every trained factor).
  package var flopsPerStep: Int {
    guard step == .training else { return flopsPerCall }
    return steps.indices.reduce(0) { total, index in
      guard case .conv(let kernel, _, _, let trainable) = steps[index] else { return total }
      let forward = kernel.geometry.flops
      return total + forward + (writes[index][0] == .none ? 0 : forward) + (trainable ? forward : 0)
    }
  }

  /// One step: a forward pass (inference), or forward, loss, backward and SGD update (training).
  ///
  /// Allocation-free.
  package func run() {
    guard step == .training else {
      forwardPass()
      return
    }
    computeGradients()
    update()
  }

  /// The forward pass alone (batch statistics in training, which also moves the running ones).
  package func forwardPass() {
    let training = step == .training
    // Index loops: iterating arrays of class references allocates in unoptimised builds.
    for index in steps.indices {
      switch steps[index] {
      case .conv(let kernel, let input, let output, _): kernel.forward(slots[input], into: slots[output])
      case .norm(let norm, let input, let output):
        if training {
          norm.forwardTraining(slots[input], into: slots[output])
        } else {
          norm.forwardInference(slots[input], into: slots[output])
        }
      case .relu(let input, let output): ReLU.forward(slots[input], into: slots[output])
      case .maxPool(let pool, let input, let output): pool.forward(slots[input], into: slots[output])
      case .averagePool(let kernel, let stride, let padding, let countsPadding, let input, let output):
        Self.averagePool(
          slots[input], into: slots[output], kernel: kernel, stride: stride, padding: padding,
          countsPadding: countsPadding)
      case .globalPool(let input, let output): GlobalAveragePool.forward(slots[input], into: slots[output])
      case .add(let inputs, let output, let relu):
        let y = slots[output]
        Self.copy(slots[inputs[0]], into: y)
        for position in 1..<inputs.count { ResidualAdd.forward(adding: slots[inputs[position]], into: y) }
        if relu { ReLU.forward(y, into: y) }
      case .addBias(let bias, let input, let output):
        Self.copy(slots[input], into: slots[output])
        Self.addBias(bias, to: slots[output])
      case .softmax(let input, let output): Self.softmax(slots[input], into: slots[output])
      case .pad(let top, let left, let value, let input, let output):
        Self.pad(slots[input], into: slots[output], top: top, left: left, value: value)
      }
    }
  }
}
