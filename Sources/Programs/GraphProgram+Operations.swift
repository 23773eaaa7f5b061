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
    let c = x.shape[3]
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        yp.update(repeating: 0)
        AveragePoolWindows(input: x.shape, output: y.shape, kernel: kernel, stride: stride, padding: padding)
          .forEach(countsPadding: countsPadding) { out, pixels, share in
            for pixel in pixels {
              for j in 0..<c { yp[out + j] += xp[pixel + j] }
            }
            for j in 0..<c { yp[out + j] *= share }
          }
      }
    }
  }
}

/// The windows of an NHWC k×k average pool with symmetric zero padding.
struct AveragePoolWindows {
  let input: [Int]
  let output: [Int]
  let kernel: Int
  let stride: Int
  let padding: Int

  /// Calls `body` for every output position with its offset, the offsets of the input pixels in its window
  /// (padding left out) and the weight of each: 1/(k·k) when padding counts, else 1/(pixels in the window).
  func forEach(countsPadding: Bool, _ body: (_ out: Int, _ pixels: PixelOffsets, _ share: Float) -> Void) {
    let (n, h, w, c) = (input[0], input[1], input[2], input[3])
    let (outH, outW) = (output[1], output[2])
    for b in 0..<n {
      for oy in 0..<outH {
        for ox in 0..<outW {
          let (top, left) = (oy * stride - padding, ox * stride - padding)
          let pixels = PixelOffsets(
            rows: max(top, 0)..<min(top + kernel, h), columns: max(left, 0)..<min(left + kernel, w),
            base: b * h * w * c, width: w, channels: c)
          guard pixels.count > 0 else { continue }
          body(
            ((b * outH + oy) * outW + ox) * c, pixels,
            1 / Float(countsPadding ? kernel * kernel : pixels.count))
        }
      }
    }
  }
}

/// The NHWC offsets of the pixels in a window (rows × columns of one image).
struct PixelOffsets: Sequence {
  let rows: Range<Int>
  let columns: Range<Int>
  let base: Int
  let width: Int
  let channels: Int

  var count: Int { rows.count * columns.count }

  func makeIterator() -> Iterator { Iterator(window: self, row: rows.lowerBound, column: columns.lowerBound) }

  /// Row-major over the window; allocates nothing.
  struct Iterator: IteratorProtocol {
    let window: PixelOffsets
    var row: Int
    var column: Int

    mutating func next() -> Int? {
      guard row < window.rows.upperBound, !window.columns.isEmpty else { return nil }
      let offset = window.base + (row * window.width + column) * window.channels
      column += 1
      if column == window.columns.upperBound {
        column = window.columns.lowerBound
        row += 1
      }
      return offset
    }
  }
}

extension GraphProgram {
  /// NHWC y ← x placed at row `top`, column `left` of y, every other position `value`.
  static func pad(_ x: Tensor, into y: Tensor, top: Int, left: Int, value: Float) {
    let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (outH, outW) = (y.shape[1], y.shape[2])
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        yp.update(repeating: value)
        for b in 0..<n {
          for row in 0..<h {
            let from = xp.baseAddress! + (b * h + row) * w * c
            let to = yp.baseAddress! + ((b * outH + row + top) * outW + left) * c
            to.update(from: from, count: w * c)
          }
        }
      }
    }
  }

  /// The gradient of `pad`: dx ← the part of dy at row `top`, column `left` (overwrites dx).
  static func unpad(_ dy: Tensor, into dx: Tensor, top: Int, left: Int) {
    let (n, h, w, c) = (dx.shape[0], dx.shape[1], dx.shape[2], dx.shape[3])
    let (outH, outW) = (dy.shape[1], dy.shape[2])
    dy.withUnsafeBufferPointer { gp in
      dx.withUnsafeMutableBufferPointer { dp in
        for b in 0..<n {
          for row in 0..<h {
            let from = gp.baseAddress! + ((b * outH + row + top) * outW + left) * c
            (dp.baseAddress! + (b * h + row) * w * c).update(from: from, count: w * c)
          }
        }
      }
    }
  }

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
