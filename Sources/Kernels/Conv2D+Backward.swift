import Tensors

extension Conv2D {
  /// dx ← ∂L/∂x given dy = ∂L/∂y (overwrites `dx`). Cost: the forward GEMM's FLOPs plus col2im.
  public func backwardData(_ dy: Tensor, into dx: Tensor) {
    checkShapes(input: dx, output: dy)
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    dy.scalars.withUnsafeBufferPointer { dyp in
      weight.scalars.withUnsafeBufferPointer { wp in
        dx.scalars.withUnsafeMutableBufferPointer { dxp in
          if g.isPointwise {
            for group in 0..<g.groups {
              // dx_g (M × Cin/g) = dy_g (M × Cout/g) · W_gᵀ
              BLAS.gemm(
                transposeB: true, m: m, n: k, k: n,
                a: dyp.baseAddress! + group * n, lda: g.outChannels,
                b: wp.baseAddress! + group * n, ldb: g.outChannels,
                c: dxp.baseAddress! + group * k, ldc: g.inChannels)
            }
            return
          }
          columnGradient.scalars.withUnsafeMutableBufferPointer { cp in
            for group in 0..<g.groups {
              BLAS.gemm(
                transposeB: true, m: m, n: k, k: n,
                a: dyp.baseAddress! + group * n, lda: g.outChannels,
                b: wp.baseAddress! + group * n, ldb: g.outChannels,
                c: cp.baseAddress! + group * m * k, ldc: k)
            }
            dxp.update(repeating: 0)
            Im2col.unpackAdding(g, columns: cp.baseAddress!, dx: dxp.baseAddress!)
          }
        }
      }
    }
  }

  /// weightGradient ← ∂L/∂W (and biasGradient) from the layer input `x` and dy.
  ///
  /// With `reusingForwardColumns` the im2col columns packed by the last `forward` are used as they
  /// are (the caller guarantees that `forward` ran on this `x` and `x` has not changed since), which
  /// is what a training step does; otherwise they are packed again.
  public func backwardWeights(input x: Tensor, gradient dy: Tensor, reusingForwardColumns: Bool = false) {
    checkShapes(input: x, output: dy)
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    x.scalars.withUnsafeBufferPointer { xp in
      dy.scalars.withUnsafeBufferPointer { dyp in
        weightGradient.scalars.withUnsafeMutableBufferPointer { dwp in
          if g.isPointwise {
            for group in 0..<g.groups {
              // dW_g (Cin/g × Cout/g) = x_gᵀ · dy_g
              BLAS.gemm(
                transposeA: true, m: k, n: n, k: m,
                a: xp.baseAddress! + group * k, lda: g.inChannels,
                b: dyp.baseAddress! + group * n, ldb: g.outChannels,
                c: dwp.baseAddress! + group * n, ldc: g.outChannels)
            }
          } else {
            columns.scalars.withUnsafeMutableBufferPointer { cp in
              if !(reusingForwardColumns && packedInput == ObjectIdentifier(x)) {
                Im2col.pack(g, x: xp.baseAddress!, columns: cp.baseAddress!)
              }
              for group in 0..<g.groups {
                BLAS.gemm(
                  transposeA: true, m: k, n: n, k: m,
                  a: cp.baseAddress! + group * m * k, lda: k,
                  b: dyp.baseAddress! + group * n, ldb: g.outChannels,
                  c: dwp.baseAddress! + group * n, ldc: g.outChannels)
              }
            }
          }
        }
        if let biasGradient {
          biasGradient.scalars.withUnsafeMutableBufferPointer { bp in
            Elementwise.sumRows(dyp.baseAddress!, rows: m, columns: g.outChannels, into: bp.baseAddress!)
          }
        }
      }
    }
    if !g.isPointwise { packedInput = ObjectIdentifier(x) }
  }
}
