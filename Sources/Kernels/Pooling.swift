import Geometry
import Tensors

/// k×k max pooling with stride and zero-area padding (padded positions never win) over NHWC.
/// The forward pass records the winning input offset of every output for the backward pass.
public final class MaxPool {
  public let geometry: ConvGeometry
  private var argmax: [Int32]

  /// `geometry` uses `kernel`, `stride`, `padding`; `inChannels` must equal `outChannels`.
  public init(_ geometry: ConvGeometry) throws(KernelError) {
    try geometry.validateForKernel()
    guard geometry.inChannels == geometry.outChannels, geometry.groups == 1 else {
      throw KernelError.invalidGeometry(.invalid("max-pool keeps the channel count: \(geometry)"))
    }
    self.geometry = geometry
    argmax = [Int32](repeating: 0, count: geometry.outputShape.reduce(1, *))
  }

  public func forward(_ x: Tensor, into y: Tensor) {
    let g = geometry
    precondition(x.shape == g.inputShape && y.shape == g.outputShape, "MaxPool: bad shapes")
    let c = g.inChannels
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        argmax.withUnsafeMutableBufferPointer { ap in
          var out = 0
          for n in 0..<g.batch {
            for oy in 0..<g.outHeight {
              for ox in 0..<g.outWidth {
                for ch in 0..<c {
                  var best = -Float.infinity
                  var bestIndex = -1
                  for ky in 0..<g.kernel {
                    let iy = oy * g.stride - g.padding + ky
                    if iy < 0 || iy >= g.height { continue }
                    for kx in 0..<g.kernel {
                      let ix = ox * g.stride - g.padding + kx
                      if ix < 0 || ix >= g.width { continue }
                      let index = ((n * g.height + iy) * g.width + ix) * c + ch
                      if xp[index] > best || bestIndex < 0 {
                        best = xp[index]
                        bestIndex = index
                      }
                    }
                  }
                  yp[out] = best
                  ap[out] = Int32(bestIndex)
                  out += 1
                }
              }
            }
          }
        }
      }
    }
  }

  /// dx ← scatter of dy to the winning inputs of the last forward pass (overwrites dx).
  public func backward(gradient dy: Tensor, into dx: Tensor) {
    let g = geometry
    precondition(dy.shape == g.outputShape && dx.shape == g.inputShape, "MaxPool: bad shapes")
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
public enum GlobalAveragePool {
  public static func forward(_ x: Tensor, into y: Tensor) {
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
  public static func backward(gradient dy: Tensor, into dx: Tensor) {
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
