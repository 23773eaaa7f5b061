import Decomposition
import Kernels
import Tensors

extension GraphProgram {
  /// y ← x (same count).
  static func copy(_ x: Tensor, into y: Tensor) {
    guard x !== y else { return }
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in _ = yp.update(fromContentsOf: xp) }
    }
  }

  /// y[…, c] += bias[c] over the innermost (channel) dimension.
  static func addBias(_ bias: Tensor, to y: Tensor) {
    let channels = bias.count
    bias.withUnsafeBufferPointer { b in
      y.withUnsafeMutableBufferPointer { yp in
        for row in stride(from: 0, to: yp.count, by: channels) {
          for c in 0..<channels { yp[row + c] += b[c] }
        }
      }
    }
  }

  /// Softmax over the innermost (channel) dimension, max-subtracted.
  static func softmax(_ x: Tensor, into y: Tensor) {
    let channels = x.shape[x.rank - 1]
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        for row in stride(from: 0, to: xp.count, by: channels) {
          var largest = -Float.infinity
          for c in 0..<channels { largest = max(largest, xp[row + c]) }
          var sum: Float = 0
          for c in 0..<channels {
            let e = Float(_exp(Double(xp[row + c] - largest)))
            yp[row + c] = e
            sum += e
          }
          for c in 0..<channels { yp[row + c] /= sum }
        }
      }
    }
  }

  /// NHWC k×k average pooling with symmetric zero padding; padded positions are left out of the divisor
  /// unless `countsPadding` (ONNX's count_include_pad).
  static func averagePool(
    _ x: Tensor, into y: Tensor, kernel: Int, stride: Int, padding: Int, countsPadding: Bool
  ) {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (outH, outW) = (y.shape[1], y.shape[2])
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        yp.update(repeating: 0)
        for b in 0..<n {
          for oy in 0..<outH {
            for ox in 0..<outW {
              let out = ((b * outH + oy) * outW + ox) * c
              var count = 0
              for ky in 0..<kernel {
                let iy = oy * stride - padding + ky
                guard iy >= 0, iy < h else { continue }
                for kx in 0..<kernel {
                  let ix = ox * stride - padding + kx
                  guard ix >= 0, ix < w else { continue }
                  count += 1
                  let row = ((b * h + iy) * w + ix) * c
                  for j in 0..<c { yp[out + j] += xp[row + j] }
                }
              }
              let divisor = Float(countsPadding ? kernel * kernel : max(count, 1))
              for j in 0..<c { yp[out + j] /= divisor }
            }
          }
        }
      }
    }
  }
}

extension GraphProgram {
  /// `factor` with the batch norm after it folded in: each output channel o scaled by
  /// s_o = scale_o/√(variance_o + ε), and bias b'_o = (b_o − mean_o)·s_o + shift_o.
  static func folding(
    _ factor: FactorLayer, scale: [Float], shift: [Float], mean: [Float], variance: [Float], epsilon: Float
  ) -> FactorLayer {
    let channels = scale.count
    let s = (0..<channels).map { scale[$0] / (variance[$0] + epsilon).squareRoot() }
    var weight = factor.weight.scalars
    for index in weight.indices { weight[index] *= s[index % channels] }
    var bias = [Float](repeating: 0, count: channels)
    for o in 0..<channels {
      let original: Float = factor.bias?.scalars[o] ?? 0
      bias[o] = (original - mean[o]) * s[o] + shift[o]
    }
    var spec = factor.spec
    spec.bias = true
    return FactorLayer(
      spec: spec, weight: Tensor(shape: factor.weight.shape, scalars: weight),
      bias: Tensor(shape: [channels], scalars: bias))
  }
}
