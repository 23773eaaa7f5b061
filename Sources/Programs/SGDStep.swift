import Kernels

/// The update of a training step.
enum SGDStep {
  /// SGD on every kernel of `kernels` (weights and bias) and every batch norm's γ and β.
  ///
  /// Loops run over index ranges: iterating an array of class references allocates in unoptimised builds.
  static func apply(kernels: [Conv2D], norms: [BatchNorm], learningRate: Float) {
    for index in kernels.indices {
      let kernel = kernels[index]
      SGD.update(kernel.weight, gradient: kernel.weightGradient, learningRate: learningRate)
      if let bias = kernel.bias, let gradient = kernel.biasGradient {
        SGD.update(bias, gradient: gradient, learningRate: learningRate)
      }
    }
    for index in norms.indices {
      let norm = norms[index]
      SGD.update(norm.gamma, gradient: norm.gammaGradient, learningRate: learningRate)
      SGD.update(norm.beta, gradient: norm.betaGradient, learningRate: learningRate)
    }
  }
}
