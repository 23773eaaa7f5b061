import Kernels
import Tensors

extension GraphProgram {
  /// A training program's gradient tensors, how each step writes its inputs' gradients and the scratch tensors
  /// that need.
  struct BackwardPlan {
    var gradients: [Tensor] = []
    var writes: [[GradientWrite]] = []
    var scratch: [Tensor?] = []
  }

  /// One gradient tensor per activation tensor (slots sharing a tensor share its gradient; the image gets an
  /// empty one) and, in backward order, the first write into each overwrites and later ones add.
  ///
  /// A step whose kernel only overwrites (batch norm, ReLU, pooling) and must add gets a scratch tensor.
  static func backwardPlan(steps: [Step], slots: [Tensor], image: Int) -> BackwardPlan {
    var plan = BackwardPlan()
    var byTensor: [ObjectIdentifier: Tensor] = [:]
    let imageTensor = ObjectIdentifier(slots[image])
    for slot in slots {
      let key = ObjectIdentifier(slot)
      if byTensor[key] == nil {
        byTensor[key] = key == imageTensor ? Tensor(zeros: [0]) : Tensor(zeros: slot.shape)
      }
      plan.gradients.append(byTensor[key]!)
    }
    var written: Set<ObjectIdentifier> = []
    plan.writes = Array(repeating: [], count: steps.count)
    plan.scratch = Array(repeating: nil, count: steps.count)
    for index in steps.indices.reversed() {
      let (inputs, adds) = Self.gradientInputs(steps[index])
      plan.writes[index] = inputs.map { slot in
        let key = ObjectIdentifier(slots[slot])
        if key == imageTensor { return .none }
        return written.insert(key).inserted ? .overwrite : .accumulate
      }
      if !adds, let slot = inputs.first, plan.writes[index].first == .accumulate {
        plan.scratch[index] = Tensor(zeros: slots[slot].shape)
      }
    }
    return plan
  }

  /// The slots a step's backward pass writes gradients into, and whether its kernel can add into them.
  static func gradientInputs(_ step: Step) -> (slots: [Int], adds: Bool) {
    switch step {
    case .conv(_, let input, _, _): return ([input], true)
    case .add(let inputs, _, _): return (inputs, true)
    case .addBias(_, let input, _): return ([input], true)
    case .norm(_, let input, _), .relu(let input, _), .maxPool(_, let input, _), .globalPool(let input, _),
      .averagePool(_, _, _, _, let input, _), .softmax(let input, _), .pad(_, _, _, let input, _):
      return ([input], false)
    }
  }

  /// Training without the update: forward, loss and backward; every weight gradient is then ∂L/∂W of the
  /// current weights.
  ///
  /// Returns the loss.
  @discardableResult
  package func computeGradients() -> Double {
    precondition(step == .training, "gradients need a training program")
    forwardPass()
    loss = SoftmaxCrossEntropy.lossAndGradient(
      logits: slots[logits], labels: labels, gradient: gradients[logits])
    var index = steps.count - 1
    while index >= 0 {
      backward(index)
      index -= 1
    }
    return loss
  }

  /// The backward pass of step `index`.
  func backward(_ index: Int) {
    let write = writes[index]
    switch steps[index] {
    case .conv(let kernel, let input, let output, let trainable):
      let dy = gradients[output]
      if trainable { kernel.backwardWeights(input: slots[input], gradient: dy, reusingForwardColumns: true) }
      if write[0] != .none {
        kernel.backwardData(dy, into: gradients[input], accumulate: write[0] == .accumulate)
      }
    case .add(let inputs, let output, _):
      for position in inputs.indices where write[position] != .none {
        ResidualAdd.backward(
          gradient: gradients[output], into: gradients[inputs[position]],
          accumulate: write[position] == .accumulate)
      }
    case .addBias(_, let input, let output):
      if write[0] != .none {
        ResidualAdd.backward(
          gradient: gradients[output], into: gradients[input], accumulate: write[0] == .accumulate)
      }
    case .norm(let norm, let input, let output):
      overwriting(index, input) { norm.backward(input: slots[input], gradient: gradients[output], into: $0) }
    case .relu(let input, let output):
      overwriting(index, input) {
        ReLU.backward(output: slots[output], gradient: gradients[output], into: $0)
      }
    case .maxPool(let pool, let input, let output):
      overwriting(index, input) { pool.backward(gradient: gradients[output], into: $0) }
    case .averagePool(let kernel, let stride, let padding, let countsPadding, let input, let output):
      overwriting(index, input) {
        Self.averagePoolBackward(
          gradients[output], into: $0, kernel: kernel, stride: stride, padding: padding,
          countsPadding: countsPadding)
      }
    case .globalPool(let input, let output):
      overwriting(index, input) { GlobalAveragePool.backward(gradient: gradients[output], into: $0) }
    case .pad(let top, let left, _, let input, let output):
      overwriting(index, input) { Self.unpad(gradients[output], into: $0, top: top, left: left) }
    case .softmax:
      preconditionFailure("a training program runs no softmax")
    }
  }

  /// Runs a kernel that overwrites its input gradient: into the gradient itself, or into the step's scratch
  /// tensor then added (another consumer wrote first); nothing when the input needs no gradient.
  @inline(__always)
  func overwriting(_ index: Int, _ input: Int, _ body: (Tensor) -> Void) {
    switch writes[index][0] {
    case .none: return
    case .overwrite: body(gradients[input])
    case .accumulate:
      let partial = scratch[index]!
      body(partial)
      ResidualAdd.backward(gradient: partial, into: gradients[input], accumulate: true)
    }
  }

  /// SGD on every trained factor (weights and bias) and every batch norm's γ and β.
  func update() { SGDStep.apply(kernels: trainedKernels, norms: norms, learningRate: learningRate) }

  /// Weight tensors of every convolution and linear factor, in forward order, with whether each is trained.
  package var convolutionWeights: [(weight: Tensor, trained: Bool)] {
    steps.compactMap {
      if case .conv(let kernel, _, _, let trainable) = $0 {
        return (kernel.weight, trainable && step == .training)
      }
      return nil
    }
  }

  /// The loss of the current weights on the program's batch (training; no backward pass).
  package func currentLoss() -> Double {
    precondition(step == .training, "the loss needs a training program")
    forwardPass()
    loss = SoftmaxCrossEntropy.lossAndGradient(
      logits: slots[logits], labels: labels, gradient: gradients[logits])
    return loss
  }

  /// dx of `averagePool`: each output's gradient spread evenly over its window (overwrites dx).
  static func averagePoolBackward(
    _ dy: Tensor, into dx: Tensor, kernel: Int, stride: Int, padding: Int, countsPadding: Bool
  ) {
    let c = dx.shape[3]
    dy.withUnsafeBufferPointer { gp in
      dx.withUnsafeMutableBufferPointer { dp in
        dp.update(repeating: 0)
        AveragePoolWindows(
          input: dx.shape, output: dy.shape, kernel: kernel, stride: stride, padding: padding
        )
        .forEach(countsPadding: countsPadding) { out, pixels, share in
          for pixel in pixels {
            for j in 0..<c { dp[pixel + j] += gp[out + j] * share }
          }
        }
      }
    }
  }
}
