import Geometry
import Tensors

/// k×k max pooling with stride and zero-area padding (padded positions never win) over NHWC.
///
/// The forward pass records the winning input offset of every output for the backward pass. On the onednn
/// backend both passes are oneDNN's pooling primitives (`DNNLMaxPool`) instead.
package final class MaxPool {
  /// The window (kernel, stride, padding) and batch; channels in and out are equal.
  package let geometry: ConvGeometry
  /// oneDNN's primitives when made on the onednn backend; nil otherwise.
  let dnnl: DNNLMaxPool?
  private var argmax: [Int32]
  /// `geometry.inputShape` and `outputShape`, stored so shape checks do not build arrays per call.
  private let inputShape: [Int]
  private let outputShape: [Int]

  /// `geometry` uses `kernel`, `stride`, `padding`; `inChannels` must equal `outChannels`.
  package init(_ geometry: ConvGeometry, backend: GEMMBackend? = nil) throws(KernelError) {
    try geometry.validateForKernel()
    guard geometry.inChannels == geometry.outChannels, geometry.groups == 1 else {
      throw KernelError.invalidGeometry(.invalid("max-pool keeps the channel count: \(geometry)"))
    }
    self.geometry = geometry
    if (backend ?? BLAS.backend) == .onednn {
      do {
        dnnl = try DNNLMaxPool(geometry)
      } catch {
        throw .backend("\(geometry): \(error)")
      }
    } else {
      dnnl = nil
    }
    inputShape = geometry.inputShape
    outputShape = geometry.outputShape
    argmax = [Int32](repeating: 0, count: geometry.outputShape.reduce(1, *))
  }

  /// Writes the window maxima of NHWC `x` into `y` and records each maximum's index for `backward`; allocates
  /// nothing.
  package func forward(_ x: Tensor, into y: Tensor) {
    let g = geometry
    precondition(x.shape == inputShape, "MaxPool: input \(x.shape) ≠ \(inputShape)")
    precondition(y.shape == outputShape, "MaxPool: output \(y.shape) ≠ \(outputShape)")
    if let dnnl {
      x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { dnnl.forward(x: xp.baseAddress!, y: $0.baseAddress!) }
      }
      return
    }
    let c = g.inChannels
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { yb in
        argmax.withUnsafeMutableBufferPointer { ab in
          let (xp, yp, ap) = (xb.baseAddress!, yb.baseAddress!, ab.baseAddress!)
          // Per output pixel: the first valid window position initialises the row, the others
          // compete channel by channel (contiguous in NHWC: SIMD selects, `keepLarger`). Ties keep
          // the earlier position, as a scan in window order would.
          var out = 0
          for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
              let y0 = max(oy * g.stride - g.padding, 0)
              let y1 = min(oy * g.stride - g.padding + g.kernel, g.height)
              for ox in 0..<g.outWidth {
                let x0 = max(ox * g.stride - g.padding, 0)
                let x1 = min(ox * g.stride - g.padding + g.kernel, g.width)
                let best = yp + out
                let index = ap + out
                var first = true
                for iy in y0..<y1 {
                  for ix in x0..<x1 {
                    let base = ((n * g.height + iy) * g.width + ix) * c
                    let row = xp + base
                    let offset = Int32(truncatingIfNeeded: base)
                    if first {
                      best.update(from: row, count: c)
                      for ch in 0..<c { index[ch] = offset &+ Int32(truncatingIfNeeded: ch) }
                      first = false
                    } else {
                      Self.keepLarger(row, best, index, channels: c, offset: offset)
                    }
                  }
                }
                out += c
              }
            }
          }
        }
      }
    }
  }

  /// best[ch] = max(best[ch], row[ch]), recording `offset + ch` in index[ch] where row wins; 16
  /// channels at a time with SIMD selects (the compiler cannot prove the buffers apart to vectorise
  /// the scalar loop), the rest one by one.
  @inline(__always)
  static func keepLarger(
    _ row: UnsafePointer<Float>, _ best: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int32>,
    channels c: Int, offset: Int32
  ) {
    var ch = 0
    let lanes = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    while ch + 16 <= c {
      let value = UnsafeRawPointer(row + ch).loadUnaligned(as: SIMD16<Float>.self)
      var largest = UnsafeRawPointer(best + ch).loadUnaligned(as: SIMD16<Float>.self)
      var winners = UnsafeRawPointer(index + ch).loadUnaligned(as: SIMD16<Int32>.self)
      let wins = value .> largest
      largest.replace(with: value, where: wins)
      winners.replace(with: lanes &+ (offset &+ Int32(truncatingIfNeeded: ch)), where: wins)
      UnsafeMutableRawPointer(best + ch).storeBytes(of: largest, as: SIMD16<Float>.self)
      UnsafeMutableRawPointer(index + ch).storeBytes(of: winners, as: SIMD16<Int32>.self)
      ch += 16
    }
    while ch < c {
      if row[ch] > best[ch] {
        best[ch] = row[ch]
        index[ch] = offset &+ Int32(truncatingIfNeeded: ch)
      }
      ch += 1
    }
  }

  /// dx ← scatter of dy to the winning inputs of the last forward pass (overwrites dx).
  package func backward(gradient dy: Tensor, into dx: Tensor) {
    precondition(dy.shape == outputShape, "MaxPool: gradient \(dy.shape) ≠ \(outputShape)")
    precondition(dx.shape == inputShape, "MaxPool: input gradient \(dx.shape) ≠ \(inputShape)")
    if let dnnl {
      dy.withUnsafeBufferPointer { gp in
        dx.withUnsafeMutableBufferPointer { dnnl.backward(dy: gp.baseAddress!, dx: $0.baseAddress!) }
      }
      return
    }
    dy.withUnsafeBufferPointer { gp in
      dx.withUnsafeMutableBufferPointer { dp in
        argmax.withUnsafeBufferPointer { ap in
          dp.update(repeating: 0)
          for i in gp.indices { dp[Int(ap[i])] += gp[i] }
        }
      }
    }
  }
}

/// Global average pooling `[N, H, W, C]` → `[N, C]` (stored as `[N, 1, 1, C]`).
package enum GlobalAveragePool {
  /// Writes the mean over H×W of NHWC `x` `[N, H, W, C]` into `y` `[N, C]`; allocates nothing.
  package static func forward(_ x: Tensor, into y: Tensor) {
    precondition(x.rank == 4 && y.count == x.shape[0] * x.shape[3], "GlobalAveragePool: bad shapes")
    let (n, hw, c) = (x.shape[0], x.shape[1] * x.shape[2], x.shape[3])
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        yp.update(repeating: 0)
        for b in 0..<n {
          let out = yp.baseAddress! + b * c
          for p in 0..<hw {
            let row = xp.baseAddress! + (b * hw + p) * c
            for j in 0..<c { out[j] += row[j] }
          }
          let inverse = 1 / Float(hw)
          for j in 0..<c { out[j] *= inverse }
        }
      }
    }
  }

  /// dx[n, h, w, c] ← dy[n, c] / (H·W).
  package static func backward(gradient dy: Tensor, into dx: Tensor) {
    precondition(dx.rank == 4 && dy.count == dx.shape[0] * dx.shape[3], "GlobalAveragePool: bad shapes")
    let (n, hw, c) = (dx.shape[0], dx.shape[1] * dx.shape[2], dx.shape[3])
    let inverse = 1 / Float(hw)
    dy.withUnsafeBufferPointer { gp in
      dx.withUnsafeMutableBufferPointer { dp in
        for b in 0..<n {
          for p in 0..<hw {
            let row = dp.baseAddress! + (b * hw + p) * c
            for j in 0..<c { row[j] = gp[b * c + j] * inverse }
          }
        }
      }
    }
  }
}
