import Kernels

extension NetworkProgram {
  /// One step: a forward pass (inference), or forward, loss, backward and SGD update (training).
  ///
  /// Allocation-free.
  package func run() {
    guard mode == .training else {
      forwardPass()
      return
    }
    computeGradients()
    update()
  }

  /// The forward pass alone (batch statistics in training mode, which also moves the running ones).
  package func forwardPass() {
    for index in steps.indices { forward(index) }
  }

  /// Training without the update: forward, loss and backward; every weight gradient is then ∂L/∂W of the
  /// current weights.
  ///
  /// Returns the loss.
  @discardableResult
  package func computeGradients() -> Double {
    precondition(mode == .training, "gradients need a training-mode program")
    forwardPass()
    computeLoss()
    var index = steps.count - 1
    while index >= 0 {
      backward(index)
      index -= 1
    }
    return loss
  }

  /// The loss of the current weights on the program's batch (training mode; no backward pass).
  package func currentLoss() -> Double {
    precondition(mode == .training, "the loss needs a training-mode program")
    forwardPass()
    computeLoss()
    return loss
  }

  /// The forward pass of step `index`.
  @inline(__always)
  func forward(_ index: Int) {
    let training = mode == .training
    switch steps[index] {
    case .conv(let step):
      step.kernel.forward(slots[step.input], into: slots[step.output])
    case .norm(let step):
      let residual = step.residual.map { slots[$0] }
      if training {
        step.norm.forwardTraining(
          slots[step.input], into: slots[step.output], residual: residual, relu: step.relu)
      } else {
        step.norm.forwardInference(
          slots[step.input], into: slots[step.output], residual: residual, relu: step.relu)
      }
    case .maxPool(let pool, let input, let output):
      pool.forward(slots[input], into: slots[output])
    case .globalPool(let input, let output):
      GlobalAveragePool.forward(slots[input], into: slots[output])
    }
  }

  /// Softmax cross-entropy of the logits against the labels; writes the logits' gradient.
  func computeLoss() {
    let last = slots.count - 1
    loss = SoftmaxCrossEntropy.lossAndGradient(logits: slots[last], labels: labels, gradient: gradients[last])
  }

  /// The backward pass of step `index` (training only).
  @inline(__always)
  func backward(_ index: Int) {
    switch steps[index] {
    case .conv(let step):
      let (x, dy) = (slots[step.input], gradients[step.output])
      if step.trainable {
        step.kernel.backwardWeights(input: x, gradient: dy, reusingForwardColumns: true)
      }
      if step.inputGradient != .none {
        step.kernel.backwardData(
          dy, into: gradients[step.input], accumulate: step.inputGradient == .accumulate)
      }
    case .norm(let step):
      backwardResidual(step)
      backwardNorm(step)
    case .maxPool(let pool, let input, let output):
      pool.backward(gradient: gradients[output], into: gradients[input])
    case .globalPool(let input, let output):
      GlobalAveragePool.backward(gradient: gradients[output], into: gradients[input])
    }
  }

  /// A block's end: the ReLU backward in place on the output gradient (the shortcut needs it masked),
  /// then the shortcut's gradient (a copy or sum; nothing when it shares this gradient tensor).
  @inline(__always)
  func backwardResidual(_ step: NormStep) {
    guard let residual = step.residual else { return }
    let dy = gradients[step.output]
    if step.relu { step.norm.reluBackward(output: slots[step.output], gradient: dy, into: dy) }
    if step.residualGradient != .none {
      ResidualAdd.backward(
        gradient: dy, into: gradients[residual], accumulate: step.residualGradient == .accumulate)
    }
  }

  /// The batch norm's backward pass (with the ReLU's fused when no residual precedes it).
  @inline(__always)
  func backwardNorm(_ step: NormStep) {
    let mask = step.relu && step.residual == nil ? slots[step.output] : nil
    step.norm.backward(
      input: slots[step.input], gradient: gradients[step.output], into: gradients[step.input],
      reluOutput: mask)
  }

  /// SGD on every trained factor (weights and bias) and every batch norm's γ and β.
  func update() {
    SGDStep.apply(kernels: trainedKernels, norms: batchNorms, learningRate: learningRate)
  }

}
