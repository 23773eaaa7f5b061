import Geometry
import Kernels
import Tensors

/// Naive reference implementations (direct loops) that the GEMM kernels are checked against.
enum Reference {
  static func convForward(_ g: ConvGeometry, x: Tensor, w: Tensor, bias: Tensor? = nil) -> Tensor {
    let y = Tensor(zeros: g.outputShape)
    let cg = g.groupInChannels
    let og = g.groupOutChannels
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          for o in 0..<g.outChannels {
            let group = o / og
            var acc = Double(bias?.scalars[o] ?? 0)
            for ky in 0..<g.kernel {
              for kx in 0..<g.kernelWidth {
                let iy = oy * g.stride - g.padding + ky
                let ix = ox * g.stride - g.padding + kx
                guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                for c in 0..<cg {
                  acc += Double(x[n, iy, ix, group * cg + c]) * Double(w[ky, kx, c, o])
                }
              }
            }
            y[n, oy, ox, o] = Float(acc)
          }
        }
      }
    }
    return y
  }

  /// dx and dW by the same loops as the forward pass, accumulating adjoints.
  static func convBackward(_ g: ConvGeometry, x: Tensor, w: Tensor, dy: Tensor) -> (dx: Tensor, dw: Tensor) {
    var dx = [Double](repeating: 0, count: x.count)
    var dw = [Double](repeating: 0, count: w.count)
    let cg = g.groupInChannels
    let og = g.groupOutChannels
    for n in 0..<g.batch {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          for o in 0..<g.outChannels {
            let group = o / og
            let grad = Double(dy[n, oy, ox, o])
            for ky in 0..<g.kernel {
              for kx in 0..<g.kernelWidth {
                let iy = oy * g.stride - g.padding + ky
                let ix = ox * g.stride - g.padding + kx
                guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                for c in 0..<cg {
                  let xi = x.offset([n, iy, ix, group * cg + c])
                  let wi = w.offset([ky, kx, c, o])
                  dx[xi] += grad * Double(w.scalars[wi])
                  dw[wi] += grad * Double(x.scalars[xi])
                }
              }
            }
          }
        }
      }
    }
    return (
      Tensor(shape: x.shape, scalars: dx.map(Float.init)), Tensor(shape: w.shape, scalars: dw.map(Float.init))
    )
  }
}

/// Central finite difference of `loss` with respect to `x[index]` (step `h`), restoring `x`.
func numericGradient(of loss: () -> Double, at index: Int, in x: Tensor, step h: Float = 1e-2) -> Double {
  let saved = x.scalars[index]
  x[flat: index] = saved + h
  let plus = loss()
  x[flat: index] = saved - h
  let minus = loss()
  x[flat: index] = saved
  return (plus - minus) / Double(2 * h)
}

/// Σ y·r: a loss whose gradient with respect to y is r.
func dot(_ y: Tensor, _ r: Tensor) -> Double {
  zip(y.scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}
