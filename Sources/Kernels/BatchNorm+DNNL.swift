import Tensors

extension BatchNorm {
  /// oneDNN's primitives for `shape` (made when the shape is first seen; a failure stops the program with
  /// oneDNN's message, as the shapes come from a validated network).
  func dnnlNorm(for shape: [Int]) -> DNNLBatchNorm {
    if let dnnl, dnnl.shape == shape { return dnnl }
    do {
      let made = try DNNLBatchNorm(shape: shape, epsilon: epsilon)
      dnnl = made
      return made
    } catch {
      preconditionFailure("BatchNorm(\(channels)) on oneDNN for \(shape): \(error)")
    }
  }

  /// The forward pass on oneDNN: batch norm (batch statistics in training, which also move the running
  /// ones and set μ and 1/σ; running statistics in inference), then the residual add and ReLU.
  func dnnlForward(training: Bool, _ x: Tensor, into y: Tensor, residual: Tensor?, relu: Bool) {
    if let residual {
      precondition(residual !== y && residual !== x, "BatchNorm: the residual is the input or the output")
    }
    let norm = dnnlNorm(for: x.shape)
    func run(_ xp: UnsafePointer<Float>, _ yp: UnsafeMutablePointer<Float>) {
      gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { b in
          if training {
            batchMean.withUnsafeMutableBufferPointer { m in
              batchVariance.withUnsafeMutableBufferPointer { v in
                norm.forward(
                  training: true, x: xp, y: yp, gamma: g.baseAddress!, beta: b.baseAddress!,
                  mean: m.baseAddress!,
                  variance: v.baseAddress!)
              }
            }
          } else {
            runningMean.withUnsafeMutableBufferPointer { m in
              runningVariance.withUnsafeMutableBufferPointer { v in
                norm.forward(
                  training: false, x: xp, y: yp, gamma: g.baseAddress!, beta: b.baseAddress!,
                  mean: m.baseAddress!,
                  variance: v.baseAddress!)
              }
            }
          }
        }
      }
      if let residual {
        residual.withUnsafeBufferPointer { norm.add($0.baseAddress!, into: yp, relu: relu) }
      } else if relu {
        norm.relu(yp)
      }
    }
    y.withUnsafeMutableBufferPointer { yp in
      if x === y {
        run(UnsafePointer(yp.baseAddress!), yp.baseAddress!)
      } else {
        x.withUnsafeBufferPointer { run($0.baseAddress!, yp.baseAddress!) }
      }
    }
    guard training else { return }
    let rows = Float(x.count / channels)
    for j in 0..<channels {
      let variance = batchVariance[j]
      inverseStd[j] = 1 / (variance + epsilon).squareRoot()
      let unbiased = rows > 1 ? variance * rows / (rows - 1) : variance
      runningMean[flat: j] = (1 - momentum) * runningMean.scalars[j] + momentum * batchMean[j]
      runningVariance[flat: j] = (1 - momentum) * runningVariance.scalars[j] + momentum * unbiased
    }
  }

  /// The backward pass on oneDNN: the ReLU's backward into a scratch gradient when `reluOutput` is given
  /// (or a copy when dy is dx), then batch norm's backward from the saved batch statistics.
  func dnnlBackward(input x: Tensor, gradient dy: Tensor, into dx: Tensor, reluOutput: Tensor?) {
    let norm = dnnlNorm(for: x.shape)
    var gradient = dy
    if reluOutput != nil || dy === dx {
      if dnnlScratch?.shape != x.shape { dnnlScratch = Tensor(zeros: x.shape) }
      let scratch = dnnlScratch!
      scratch.withUnsafeMutableBufferPointer { sp in
        dy.withUnsafeBufferPointer { gp in
          if let reluOutput {
            reluOutput.withUnsafeBufferPointer {
              norm.reluBackward(output: $0.baseAddress!, gradient: gp.baseAddress!, into: sp.baseAddress!)
            }
          } else {
            sp.baseAddress!.update(from: gp.baseAddress!, count: gp.count)
          }
        }
      }
      gradient = scratch
    }
    x.withUnsafeBufferPointer { xp in
      gradient.withUnsafeBufferPointer { gp in
        dx.withUnsafeMutableBufferPointer { dxp in
          gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
              batchMean.withUnsafeBufferPointer { m in
                batchVariance.withUnsafeBufferPointer { v in
                  gammaGradient.withUnsafeMutableBufferPointer { dg in
                    betaGradient.withUnsafeMutableBufferPointer { db in
                      norm.backward(
                        x: xp.baseAddress!, gradient: gp.baseAddress!, gamma: g.baseAddress!,
                        beta: b.baseAddress!,
                        mean: m.baseAddress!,
                        variance: v.baseAddress!, into: dxp.baseAddress!, dGamma: dg.baseAddress!,
                        dBeta: db.baseAddress!)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// The ReLU's backward pass after this batch norm's block end: dx ← dy·[y > 0] (`dx` may be `dy`), on
  /// oneDNN's eltwise primitive on the onednn backend, else lrd-bench's kernel.
  package func reluBackward(output y: Tensor, gradient dy: Tensor, into dx: Tensor) {
    guard backend == .onednn else {
      ReLU.backward(output: y, gradient: dy, into: dx)
      return
    }
    let norm = dnnlNorm(for: y.shape)
    y.withUnsafeBufferPointer { yp in
      dx.withUnsafeMutableBufferPointer { dxp in
        if dy === dx {
          norm.reluBackward(
            output: yp.baseAddress!, gradient: UnsafePointer(dxp.baseAddress!), into: dxp.baseAddress!)
        } else {
          dy.withUnsafeBufferPointer {
            norm.reluBackward(output: yp.baseAddress!, gradient: $0.baseAddress!, into: dxp.baseAddress!)
          }
        }
      }
    }
  }
}
