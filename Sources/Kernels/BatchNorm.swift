import Tensors

/// Batch normalisation over the channel axis of NHWC tensors (statistics over the M = N·H·W rows).
///
/// * Inference: y = x·scale + shift with scale = γ/√(σ²+ε), shift = β − μ·scale from the running
///   statistics.
/// * Training: batch statistics (μ, biased σ²), x̂ = (x − μ)/√(σ²+ε), y = γ·x̂ + β; the running
///   statistics move by `momentum` (unbiased variance, as PyTorch does). Backward, from the saved
///   μ and 1/√(σ²+ε): dγ = Σ dy·x̂, dβ = Σ dy, dx = γ/√(σ²+ε) · (dy − dβ/M − x̂·dγ/M).
///
/// Per-channel sums accumulate in Double. Every buffer is allocated in `init`; calls do not allocate.
public final class BatchNorm {
  public let channels: Int
  public let epsilon: Float
  public let momentum: Float
  public let gamma: Tensor
  public let beta: Tensor
  public let runningMean: Tensor
  public let runningVariance: Tensor
  public let gammaGradient: Tensor
  public let betaGradient: Tensor
  private var scale: [Float]
  private var shift: [Float]
  private var batchMean: [Float]
  private var inverseStd: [Float]
  private var offset: [Float]
  private var sum: [Double]
  private var sumSquares: [Double]

  public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
    self.channels = channels
    self.epsilon = epsilon
    self.momentum = momentum
    gamma = Tensor(shape: [channels], scalars: [Float](repeating: 1, count: channels))
    beta = Tensor(zeros: [channels])
    runningMean = Tensor(zeros: [channels])
    runningVariance = Tensor(shape: [channels], scalars: [Float](repeating: 1, count: channels))
    gammaGradient = Tensor(zeros: [channels])
    betaGradient = Tensor(zeros: [channels])
    scale = [Float](repeating: 1, count: channels)
    shift = [Float](repeating: 0, count: channels)
    batchMean = [Float](repeating: 0, count: channels)
    inverseStd = [Float](repeating: 1, count: channels)
    offset = [Float](repeating: 0, count: channels)
    sum = [Double](repeating: 0, count: channels)
    sumSquares = [Double](repeating: 0, count: channels)
  }

  /// Learnable parameters (γ and β): 2·channels.
  public var parameterCount: Int { 2 * channels }

  private func checkShapes(_ x: Tensor, _ y: Tensor) {
    precondition(x.count == y.count, "BatchNorm: \(x.shape) vs \(y.shape)")
    precondition(x.rank > 0 && x.shape[x.rank - 1] == channels, "BatchNorm(\(channels)) on \(x.shape)")
  }

  /// Inference form with the running statistics. `x` and `y` may be the same tensor.
  public func forwardInference(_ x: Tensor, into y: Tensor) {
    checkShapes(x, y)
    for j in 0..<channels {
      scale[j] = gamma.scalars[j] / (runningVariance.scalars[j] + epsilon).squareRoot()
      shift[j] = beta.scalars[j] - runningMean.scalars[j] * scale[j]
    }
    applyScaleShift(x, y)
  }

  /// Training form: normalises with the batch statistics and updates the running statistics.
  /// `x` and `y` may be the same tensor only when no backward pass follows.
  public func forwardTraining(_ x: Tensor, into y: Tensor) {
    checkShapes(x, y)
    let c = channels
    let rows = x.count / c
    x.withUnsafeBufferPointer { xp in
      sum.withUnsafeMutableBufferPointer { s in
        sumSquares.withUnsafeMutableBufferPointer { q in
          s.update(repeating: 0)
          q.update(repeating: 0)
          for r in 0..<rows {
            let base = r * c
            for j in 0..<c {
              let v = Double(xp[base + j])
              s[j] += v
              q[j] += v * v
            }
          }
        }
      }
    }
    let m = Double(rows)
    for j in 0..<c {
      let mu = sum[j] / m
      let variance = max(sumSquares[j] / m - mu * mu, 0)
      let inv = Float(1 / (variance + Double(epsilon)).squareRoot())
      batchMean[j] = Float(mu)
      inverseStd[j] = inv
      scale[j] = gamma.scalars[j] * inv
      shift[j] = beta.scalars[j] - Float(mu) * scale[j]
      let unbiased = rows > 1 ? variance * m / (m - 1) : variance
      runningMean[flat: j] = (1 - momentum) * runningMean.scalars[j] + momentum * Float(mu)
      runningVariance[flat: j] = (1 - momentum) * runningVariance.scalars[j] + momentum * Float(unbiased)
    }
    applyScaleShift(x, y)
  }

  private func applyScaleShift(_ x: Tensor, _ y: Tensor) {
    let c = channels
    let rows = x.count / c
    scale.withUnsafeBufferPointer { sp in
      shift.withUnsafeBufferPointer { tp in
        if x === y {
          y.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
              let row = p.baseAddress! + r * c
              for j in 0..<c { row[j] = row[j] * sp[j] + tp[j] }
            }
          }
          return
        }
        x.withUnsafeBufferPointer { xp in
          y.withUnsafeMutableBufferPointer { yp in
            for r in 0..<rows {
              let src = xp.baseAddress! + r * c
              let dst = yp.baseAddress! + r * c
              for j in 0..<c { dst[j] = src[j] * sp[j] + tp[j] }
            }
          }
        }
      }
    }
  }

  /// Backward of the training form from its input `x` (unchanged since `forwardTraining`) and dy.
  /// Writes dx, `gammaGradient` and `betaGradient`. `dx` must differ from `x`; it may be `dy`.
  public func backward(input x: Tensor, gradient dy: Tensor, into dx: Tensor) {
    checkShapes(x, dy)
    checkShapes(x, dx)
    precondition(x !== dx, "BatchNorm backward cannot overwrite its input")
    let c = channels
    let rows = x.count / c
    x.withUnsafeBufferPointer { xp in
      batchMean.withUnsafeBufferPointer { mu in
        inverseStd.withUnsafeBufferPointer { inv in
          sum.withUnsafeMutableBufferPointer { dGamma in
            sumSquares.withUnsafeMutableBufferPointer { dBeta in
              dGamma.update(repeating: 0)
              dBeta.update(repeating: 0)
              dy.withUnsafeBufferPointer { gp in
                for r in 0..<rows {
                  let base = r * c
                  for j in 0..<c {
                    let g = Double(gp[base + j])
                    dGamma[j] += g * Double((xp[base + j] - mu[j]) * inv[j])
                    dBeta[j] += g
                  }
                }
              }
              for j in 0..<c {
                gammaGradient[flat: j] = Float(dGamma[j])
                betaGradient[flat: j] = Float(dBeta[j])
              }
            }
          }
        }
      }
    }
    // dx = a·dy + b·x + d per channel, with a = γ/σ, b = −γ·dγ/(σ²·M), d = −γ·dβ/(σ·M) − b·μ.
    let m = Double(rows)
    for j in 0..<c {
      let a = Double(gamma.scalars[j] * inverseStd[j])
      let b = -a * Double(inverseStd[j]) * Double(gammaGradient.scalars[j]) / m
      scale[j] = Float(a)
      shift[j] = Float(b)
      offset[j] = Float(-a * Double(betaGradient.scalars[j]) / m - b * Double(batchMean[j]))
    }
    scale.withUnsafeBufferPointer { a in
      shift.withUnsafeBufferPointer { b in
        offset.withUnsafeBufferPointer { d in
          x.withUnsafeBufferPointer { xp in
            if dy === dx {
              dx.withUnsafeMutableBufferPointer { p in
                for r in 0..<rows {
                  let base = r * c
                  for j in 0..<c { p[base + j] = a[j] * p[base + j] + b[j] * xp[base + j] + d[j] }
                }
              }
              return
            }
            dy.withUnsafeBufferPointer { g in
              dx.withUnsafeMutableBufferPointer { p in
                for r in 0..<rows {
                  let base = r * c
                  for j in 0..<c { p[base + j] = a[j] * g[base + j] + b[j] * xp[base + j] + d[j] }
                }
              }
            }
          }
        }
      }
    }
  }
}
