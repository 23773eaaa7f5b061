import Decomposition
import Kernels
import Support
import Tensors

/// A decomposed (or original) layer ready to run: one kernel per factor and every activation and
/// gradient buffer allocated and touched up front, so `run()` allocates nothing and never
/// page-faults on first touch.
///
/// Inference: the factors' forward passes back to back. Training: forward, then from the last
/// factor to the first backward-weights (skipped when frozen; reuses the forward im2col columns)
/// and backward-data, then an SGD step on every trained factor (learning rate 1e-4 so values stay
/// finite over many calls). There is no nonlinearity between factors (they replace one linear layer).
package final class LayerProgram {
  /// The layer and its factors' weights.
  package let decomposed: DecomposedLayer
  package let batch: Int
  /// Inference (forward only) or training (forward, backward and SGD).
  package let mode: Mode
  /// Indices of frozen factors in execution order (no weight gradient, no update).
  package let frozen: Set<Int>
  /// `frozen` as a per-factor flag array (no hashing in `run`).
  let isFrozen: [Bool]
  /// One convolution kernel per factor, in execution order.
  package let kernels: [Conv2D]
  /// activations[i] is the input of factor i; the last is the layer output.
  package let activations: [Tensor]
  /// gradients[i] is ∂L/∂activations[i].
  package let gradients: [Tensor]
  let learningRate: Float = 1e-4

  /// Allocates and touches every buffer for `decomposed` at `batch`; inputs get seeded random values.
  package init(
    _ decomposed: DecomposedLayer, batch: Int, mode: Mode, frozen: FrozenFactors = .none, seed: UInt64 = 1
  ) throws(ProgramError) {
    self.decomposed = decomposed
    self.batch = batch
    self.mode = mode
    let frozenSet = frozen.indices(factorCount: decomposed.factors.count)
    self.frozen = frozenSet
    guard batch >= 1 else { throw ProgramError.setting(.batch, "must be at least 1") }
    if let bad = frozenSet.first(where: { $0 >= decomposed.factors.count }) {
      throw ProgramError.setting(
        .frozen,
        ": factor \(bad) does not exist; \(decomposed.factorization) has factors 0…\(decomposed.factors.count - 1)"
      )
    }
    var kernels: [Conv2D] = []
    for factor in decomposed.factors {
      do {
        kernels.append(
          try Conv2D(
            factor.spec.geometry(batch: batch), weight: factor.weight.copy(), bias: factor.bias?.copy(),
            retainColumns: mode == .training))
      } catch {
        throw .invalidRequest("cannot build \(factor.spec.name): \(error)")
      }
    }
    self.kernels = kernels
    isFrozen = (0..<kernels.count).map { frozenSet.contains($0) }
    var acts = [Tensor(uniform: kernels[0].geometry.inputShape, seed: seed)]
    for kernel in kernels { acts.append(Tensor(zeros: kernel.geometry.outputShape)) }
    activations = acts
    if mode == .training {
      var grads = kernels.map { Tensor(zeros: $0.geometry.inputShape) }
      grads.append(
        Tensor(uniform: kernels[kernels.count - 1].geometry.outputShape, bound: 1e-2, seed: seed &+ 1))
      gradients = grads
    } else {
      gradients = []
    }
  }

  /// One call: see the type's documentation.
  ///
  /// Allocation-free.
  package func run() {
    let count = kernels.count
    for i in 0..<count {
      kernels[i].forward(activations[i], into: activations[i + 1])
    }
    guard mode == .training else { return }
    var i = count - 1
    while i >= 0 {
      let kernel = kernels[i]
      if !isFrozen[i] {
        kernel.backwardWeights(input: activations[i], gradient: gradients[i + 1], reusingForwardColumns: true)
      }
      kernel.backwardData(gradients[i + 1], into: gradients[i])
      i -= 1
    }
    for index in 0..<count where !isFrozen[index] {
      let kernel = kernels[index]
      SGD.update(kernel.weight, gradient: kernel.weightGradient, learningRate: learningRate)
      if let bias = kernel.bias, let gradient = kernel.biasGradient {
        SGD.update(bias, gradient: gradient, learningRate: learningRate)
      }
    }
  }

  /// FLOPs of one call: forward, plus backward-data and (unless frozen) backward-weights in training.
  package var flopsPerCall: Int {
    kernels.enumerated().reduce(0) { total, entry in
      let forward = entry.element.geometry.flops
      guard mode == .training else { return total + forward }
      return total + 2 * forward + (frozen.contains(entry.offset) ? 0 : forward)
    }
  }

  /// The layer output of the last call.
  package var output: Tensor { activations[activations.count - 1] }
}
