import Tensors

/// Batch normalisation over the channel axis of NHWC tensors (statistics over the M = N·H·W rows).
///
/// * Inference: y = x·scale + shift with scale = γ/√(σ²+ε), shift = β − μ·scale from the running
///   statistics.
/// * Training: batch statistics (μ, biased σ²), x̂ = (x − μ)/√(σ²+ε), y = γ·x̂ + β; the running
///   statistics move by `momentum` (unbiased variance, as PyTorch does). Backward, from the saved
///   μ and 1/√(σ²+ε): dγ = Σ dy·x̂, dβ = Σ dy, dx = γ/√(σ²+ε) · (dy − dβ/M − x̂·dγ/M).
///
/// Per-channel sums accumulate in Float per block of rows, then in Double (`ChannelKernels`); the
/// loops are SIMD. Every buffer is allocated in `init`; calls do not allocate. On the onednn backend every
/// pass runs on oneDNN's primitives instead (`BatchNorm+DNNL.swift`, made on first use).
package final class BatchNorm {
  /// Channels C (the innermost NHWC dimension).
  package let channels: Int
  /// Added to the variance before the square root.
  package let epsilon: Float
  /// Weight of the new batch statistics in the running averages (PyTorch convention, 0.1).
  package let momentum: Float
  /// Scale γ, `[C]`.
  package let gamma: Tensor
  /// Shift β, `[C]`.
  package let beta: Tensor
  /// Running mean used in inference, `[C]`.
  package let runningMean: Tensor
  /// Running variance used in inference, `[C]`.
  package let runningVariance: Tensor
  /// ∂L/∂γ of the last backward pass, `[C]`.
  package let gammaGradient: Tensor
  /// ∂L/∂β of the last backward pass, `[C]`.
  package let betaGradient: Tensor
  private var scale: [Float]
  private var shift: [Float]
  var batchMean: [Float]
  var inverseStd: [Float]
  /// The library this batch norm runs on: lrd-bench's own kernels, or oneDNN's primitives on the onednn
  /// backend (`BatchNorm+DNNL.swift`).
  package let backend: GEMMBackend
  /// oneDNN's primitives for the last activation shape seen (made on first use, in a warm-up).
  var dnnl: DNNLBatchNorm?
  /// The batch's biased variance written by oneDNN's training forward pass, `[C]`.
  var batchVariance: [Float]
  /// A gradient buffer of the activation shape for oneDNN's ReLU backward (made on first use).
  var dnnlScratch: Tensor?
  private var offset: [Float]
  private var sum: [Double]
  private var sumSquares: [Double]
  private var blockSum: [Float]
  private var blockSquares: [Float]
  /// The most pool workers a pass uses; the per-worker buffers below are `[workerCapacity][channels]`.
  let workerCapacity: Int
  private var workerBlockA: [Float]
  private var workerBlockB: [Float]
  private var workerPartialA: [Double]
  private var workerPartialB: [Double]

  /// A batch norm with γ = 1, β = 0, running mean 0 and variance 1; allocates all its buffers now.
  package init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, backend: GEMMBackend? = nil) {
    self.channels = channels
    self.backend = backend ?? BLAS.backend
    batchVariance = [Float](repeating: 1, count: channels)
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
    blockSum = [Float](repeating: 0, count: channels)
    blockSquares = [Float](repeating: 0, count: channels)
    workerCapacity = max(1, BLAS.processors, Threading.workers)
    workerBlockA = [Float](repeating: 0, count: workerCapacity * channels)
    workerBlockB = [Float](repeating: 0, count: workerCapacity * channels)
    workerPartialA = [Double](repeating: 0, count: workerCapacity * channels)
    workerPartialB = [Double](repeating: 0, count: workerCapacity * channels)
  }

  /// Learnable parameters (γ and β): 2·channels.
  package var parameterCount: Int { 2 * channels }

  private func checkShapes(_ x: Tensor, _ y: Tensor) {
    precondition(x.count == y.count, "BatchNorm: \(x.shape) vs \(y.shape)")
    precondition(x.rank > 0, "BatchNorm on a scalar")
    precondition(x.shape[x.rank - 1] == channels, "BatchNorm(\(channels)) on \(x.shape)")
  }

  /// Inference form with the running statistics: y = x·scale + shift (+ `residual`), then max(·, 0) when
  /// `relu` (a ResNet block's BN, residual add and ReLU in one pass over memory).
  ///
  /// `x` and `y` may be the same tensor; `residual` must differ from both.
  package func forwardInference(_ x: Tensor, into y: Tensor, residual: Tensor? = nil, relu: Bool = false) {
    checkShapes(x, y)
    if backend == .onednn {
      dnnlForward(training: false, x, into: y, residual: residual, relu: relu)
      return
    }
    for j in 0..<channels {
      scale[j] = gamma.scalars[j] / (runningVariance.scalars[j] + epsilon).squareRoot()
      shift[j] = beta.scalars[j] - runningMean.scalars[j] * scale[j]
    }
    applyScaleShift(x, y, residual: residual, relu: relu)
  }

  /// Training form: normalises with the batch statistics and updates the running statistics; adds `residual`
  /// and applies ReLU as `forwardInference` does.
  ///
  /// `x` and `y` may be the same tensor only when no backward pass follows.
  package func forwardTraining(_ x: Tensor, into y: Tensor, residual: Tensor? = nil, relu: Bool = false) {
    checkShapes(x, y)
    if backend == .onednn {
      dnnlForward(training: true, x, into: y, residual: residual, relu: relu)
      return
    }
    let c = channels
    let rows = x.count / c
    let workers = ChannelKernels.workers(rows: rows, channels: c, capacity: workerCapacity)
    x.withUnsafeBufferPointer { xp in
      sum.withUnsafeMutableBufferPointer { s in
        sumSquares.withUnsafeMutableBufferPointer { q in
          if workers > 1 {
            onPool(
              .sums, workers: workers, rows: rows, x: xp.baseAddress!, total: (s.baseAddress!, q.baseAddress!)
            )
            return
          }
          blockSum.withUnsafeMutableBufferPointer { bs in
            blockSquares.withUnsafeMutableBufferPointer { bq in
              ChannelKernels.sums(
                xp.baseAddress!, rows: rows, channels: c, blockSum: bs.baseAddress!,
                blockSquares: bq.baseAddress!,
                sum: s.baseAddress!, squares: q.baseAddress!)
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
    applyScaleShift(x, y, residual: residual, relu: relu)
  }

  /// y = x·scale + shift (+ residual) (then ReLU).
  private func applyScaleShift(_ x: Tensor, _ y: Tensor, residual: Tensor?, relu: Bool) {
    if let residual {
      precondition(residual.count == y.count, "BatchNorm: residual \(residual.shape) vs \(y.shape)")
      precondition(residual !== y, "BatchNorm: the residual is the output")
      precondition(residual !== x, "BatchNorm: the residual is the input")
    }
    let c = channels
    let rows = x.count / c
    let workers = ChannelKernels.workers(rows: rows, channels: c, capacity: workerCapacity)
    scale.withUnsafeBufferPointer { sp in
      shift.withUnsafeBufferPointer { tp in
        y.withUnsafeMutableBufferPointer { yp in
          let dst = yp.baseAddress!
          func run(_ src: UnsafePointer<Float>) {
            if workers > 1 {
              func affine(_ r: UnsafePointer<Float>?) {
                onPool(
                  .affine(residual: r, relu: relu), workers: workers, rows: rows, x: src, out: dst,
                  first: sp.baseAddress!, second: tp.baseAddress!)
              }
              if let residual {
                residual.withUnsafeBufferPointer { affine($0.baseAddress!) }
              } else {
                affine(nil)
              }
              return
            }
            if let residual {
              residual.withUnsafeBufferPointer { rp in
                ChannelKernels.affine(
                  src, dst, residual: rp.baseAddress!, relu: relu, scale: sp.baseAddress!,
                  shift: tp.baseAddress!,
                  rows: rows, channels: c)
              }
            } else {
              ChannelKernels.affine(
                src, dst, residual: nil, relu: relu, scale: sp.baseAddress!, shift: tp.baseAddress!,
                rows: rows,
                channels: c)
            }
          }
          if x === y {
            run(UnsafePointer(dst))
          } else {
            x.withUnsafeBufferPointer { run($0.baseAddress!) }
          }
        }
      }
    }
  }

  /// Backward of the training form from its input `x` (unchanged since `forwardTraining`) and dy.
  ///
  /// Writes dx, `gammaGradient` and `betaGradient`. `dx` must differ from `x`; it may be `dy`.
  ///
  /// With `reluOutput` (the output y of a forward pass that applied ReLU, no residual), dy is masked
  /// by y > 0 on the fly: the ReLU's backward pass fused into this one (dy itself is not modified).
  /// dx = a·dy + b·x + d per channel, with a = γ/σ, b = −γ·dγ/(σ²·M), d = −γ·dβ/(σ·M) − b·μ.
  package func backward(input x: Tensor, gradient dy: Tensor, into dx: Tensor, reluOutput: Tensor? = nil) {
    checkShapes(x, dy)
    checkShapes(x, dx)
    precondition(x !== dx, "BatchNorm backward cannot overwrite its input")
    if let reluOutput {
      precondition(reluOutput.count == x.count, "BatchNorm: mask \(reluOutput.shape) vs \(x.shape)")
      precondition(reluOutput !== dx, "BatchNorm: the mask is the output")
    }
    if backend == .onednn {
      dnnlBackward(input: x, gradient: dy, into: dx, reluOutput: reluOutput)
      return
    }
    let c = channels
    let rows = x.count / c
    let workers = ChannelKernels.workers(rows: rows, channels: c, capacity: workerCapacity)
    func withMask(_ body: (UnsafePointer<Float>?) -> Void) {
      if let reluOutput {
        reluOutput.withUnsafeBufferPointer { body($0.baseAddress!) }
      } else {
        body(nil)
      }
    }
    x.withUnsafeBufferPointer { xb in
      let xp = xb.baseAddress!
      withMask { mask in
        dy.withUnsafeBufferPointer { gp in
          batchMean.withUnsafeBufferPointer { mu in
            inverseStd.withUnsafeBufferPointer { inv in
              sum.withUnsafeMutableBufferPointer { dGamma in
                sumSquares.withUnsafeMutableBufferPointer { dBeta in
                  if workers > 1 {
                    onPool(
                      .backwardSums(dy: gp.baseAddress!, mask: mask), workers: workers, rows: rows, x: xp,
                      first: mu.baseAddress!, second: inv.baseAddress!,
                      total: (dGamma.baseAddress!, dBeta.baseAddress!))
                    return
                  }
                  blockSum.withUnsafeMutableBufferPointer { bg in
                    blockSquares.withUnsafeMutableBufferPointer { bb in
                      ChannelKernels.backwardSums(
                        x: xp, dy: gp.baseAddress!, mask: mask, mean: mu.baseAddress!,
                        inverseStd: inv.baseAddress!,
                        rows: rows, channels: c, blockGamma: bg.baseAddress!, blockBeta: bb.baseAddress!,
                        dGamma: dGamma.baseAddress!, dBeta: dBeta.baseAddress!)
                    }
                  }
                }
              }
            }
          }
        }
        for j in 0..<c {
          gammaGradient[flat: j] = Float(sum[j])
          betaGradient[flat: j] = Float(sumSquares[j])
        }
        let m = Double(rows)
        for j in 0..<c {
          let a = Double(gamma.scalars[j] * inverseStd[j])
          let b = -a * Double(inverseStd[j]) * sum[j] / m
          scale[j] = Float(a)
          shift[j] = Float(b)
          offset[j] = Float(-a * sumSquares[j] / m - b * Double(batchMean[j]))
        }
        scale.withUnsafeBufferPointer { a in
          shift.withUnsafeBufferPointer { b in
            offset.withUnsafeBufferPointer { d in
              func run(_ g: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
                if workers > 1 {
                  onPool(
                    .backwardApply(dy: g, mask: mask, d: d.baseAddress!), workers: workers, rows: rows, x: xp,
                    out: out, first: a.baseAddress!, second: b.baseAddress!)
                  return
                }
                ChannelKernels.backwardApply(
                  x: xp, dy: g, mask: mask, a: a.baseAddress!, b: b.baseAddress!, d: d.baseAddress!, out: out,
                  rows: rows, channels: c)
              }
              if dy === dx {
                dx.withUnsafeMutableBufferPointer { run(UnsafePointer($0.baseAddress!), $0.baseAddress!) }
              } else {
                dy.withUnsafeBufferPointer { g in
                  dx.withUnsafeMutableBufferPointer { run(g.baseAddress!, $0.baseAddress!) }
                }
              }
            }
          }
        }
      }
    }
  }

  /// Runs `pass` on the pool with this batch norm's per-worker buffers; with `total`, adds the workers' partial
  /// sums into it in worker order afterwards.
  private func onPool(
    _ pass: ChannelRegion.Pass, workers: Int, rows: Int, x: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>? = nil, first: UnsafePointer<Float>? = nil,
    second: UnsafePointer<Float>? = nil,
    total: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>)? = nil
  ) {
    let c = channels
    workerBlockA.withUnsafeMutableBufferPointer { ba in
      workerBlockB.withUnsafeMutableBufferPointer { bb in
        workerPartialA.withUnsafeMutableBufferPointer { pa in
          workerPartialB.withUnsafeMutableBufferPointer { pb in
            let unused = UnsafeMutablePointer(mutating: x)
            Threading.parallel(
              workers: workers, backend: backend,
              ChannelRegion(
                pass: pass, workers: workers, rows: rows, channels: c, x: x, out: out ?? unused,
                first: first ?? x, second: second ?? x, blockA: ba.baseAddress!, blockB: bb.baseAddress!,
                partialA: pa.baseAddress!, partialB: pb.baseAddress!))
            if let total {
              ChannelKernels.combine(pa.baseAddress!, workers: workers, channels: c, into: total.0)
              ChannelKernels.combine(pb.baseAddress!, workers: workers, channels: c, into: total.1)
            }
          }
        }
      }
    }
  }
}
