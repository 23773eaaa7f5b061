import Tensors

extension Conv2D {
  /// dx ← ∂L/∂x given dy = ∂L/∂y, overwriting `dx`, or adding to it with `accumulate` (a tensor that feeds
  /// two consumers, like a residual block's input, gets both gradients without a scratch buffer: the GEMM
  /// runs with β = 1, or col2im skips zeroing).
  ///
  /// Cost: the forward GEMM's FLOPs plus col2im.
  package func backwardData(_ dy: Tensor, into dx: Tensor, accumulate: Bool = false) {
    checkShapes(input: dx, output: dy)
    if dnnl != nil {
      dnnlBackwardData(dy, into: dx, accumulate: accumulate)
      return
    }
    if poolWorkers > 1 {
      poolBackwardData(dy, into: dx, accumulate: accumulate)
      return
    }
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    dy.withUnsafeBufferPointer { dyp in
      weight.withUnsafeBufferPointer { wp in
        dx.withUnsafeMutableBufferPointer { dxp in
          if g.readsInputAsGEMMOperand {
            for group in 0..<g.groups {
              // dx_g (M × Cin/g) = dy_g (M × Cout/g) · W_gᵀ
              BLAS.gemm(
                transposeB: true, m: m, n: k, k: n,
                a: dyp.baseAddress! + group * n, lda: g.outChannels,
                b: wp.baseAddress! + group * n, ldb: g.outChannels,
                beta: accumulate ? 1 : 0, c: dxp.baseAddress! + group * k, ldc: g.inChannels, on: backend)
            }
            return
          }
          if !accumulate { dxp.update(repeating: 0) }
          columnGradient.withUnsafeMutableBufferPointer { cp in
            forEachBlock(of: blockRows) { start, rows in
              for group in 0..<g.groups {
                BLAS.gemm(
                  transposeB: true, m: rows, n: k, k: n,
                  a: dyp.baseAddress! + start * g.outChannels + group * n, lda: g.outChannels,
                  b: wp.baseAddress! + group * n, ldb: g.outChannels,
                  c: cp.baseAddress! + group * blockRows * k, ldc: k, on: backend)
              }
              Im2col.unpackAdding(
                g, columns: cp.baseAddress!, rows: start..<(start + rows), rowStride: blockRows,
                dx: dxp.baseAddress!)
            }
          }
        }
      }
    }
  }

  /// weightGradient ← ∂L/∂W (and biasGradient) from the layer input `x` and dy.
  ///
  /// With `reusingForwardColumns` and a kernel that retains its columns, the im2col matrix packed by
  /// the last `forward` is used as it is (the caller guarantees that `forward` ran on this `x` and
  /// `x` has not changed since), which is what a training step does; otherwise the columns are
  /// packed again block by block and the products accumulated.
  package func backwardWeights(input x: Tensor, gradient dy: Tensor, reusingForwardColumns: Bool = false) {
    checkShapes(input: x, output: dy)
    if let dnnl {
      x.withUnsafeBufferPointer { xp in
        dy.withUnsafeBufferPointer { dyp in
          weightGradient.withUnsafeMutableBufferPointer { dwp in
            Self.dnnlCall {
              if let biasGradient {
                try biasGradient.withUnsafeMutableBufferPointer { bp in
                  try dnnl.backwardWeights(
                    x: xp.baseAddress!, dy: dyp.baseAddress!, dw: dwp.baseAddress!, db: bp.baseAddress!)
                }
              } else {
                try dnnl.backwardWeights(
                  x: xp.baseAddress!, dy: dyp.baseAddress!, dw: dwp.baseAddress!, db: nil)
              }
            }
          }
        }
      }
      return
    }
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    if poolWorkers > 1 {
      let reuse = reusingForwardColumns && retainsColumns && packedInput == ObjectIdentifier(x)
      poolBackwardWeights(input: x, gradient: dy, reuse: reuse)
      if let biasGradient {
        dy.withUnsafeBufferPointer { dyp in
          biasGradient.withUnsafeMutableBufferPointer { bp in
            Elementwise.sumRows(dyp.baseAddress!, rows: m, columns: g.outChannels, into: bp.baseAddress!)
          }
        }
      }
      if retainsColumns && !g.readsInputAsGEMMOperand { packedInput = ObjectIdentifier(x) }
      return
    }
    x.withUnsafeBufferPointer { xp in
      dy.withUnsafeBufferPointer { dyp in
        weightGradient.withUnsafeMutableBufferPointer { dwp in
          if g.readsInputAsGEMMOperand {
            for group in 0..<g.groups {
              // dW_g (Cin/g × Cout/g) = x_gᵀ · dy_g
              BLAS.gemm(
                transposeA: true, m: k, n: n, k: m,
                a: xp.baseAddress! + group * k, lda: g.inChannels,
                b: dyp.baseAddress! + group * n, ldb: g.outChannels,
                c: dwp.baseAddress! + group * n, ldc: g.outChannels, on: backend)
            }
            return
          }
          columns.withUnsafeMutableBufferPointer { cp in
            let reuse = reusingForwardColumns && retainsColumns && packedInput == ObjectIdentifier(x)
            let stride = columnStride
            forEachBlock(of: stride) { start, rows in
              if !reuse {
                Im2col.pack(
                  g, x: xp.baseAddress!, rows: start..<(start + rows), columns: cp.baseAddress!,
                  rowStride: stride)
              }
              for group in 0..<g.groups {
                BLAS.gemm(
                  transposeA: true, m: k, n: n, k: rows,
                  a: cp.baseAddress! + group * stride * k, lda: k,
                  b: dyp.baseAddress! + start * g.outChannels + group * n, ldb: g.outChannels,
                  beta: start == 0 ? 0 : 1,
                  c: dwp.baseAddress! + group * n, ldc: g.outChannels, on: backend)
              }
            }
          }
        }
        if let biasGradient {
          biasGradient.withUnsafeMutableBufferPointer { bp in
            Elementwise.sumRows(dyp.baseAddress!, rows: m, columns: g.outChannels, into: bp.baseAddress!)
          }
        }
      }
    }
    if retainsColumns && !g.readsInputAsGEMMOperand { packedInput = ObjectIdentifier(x) }
  }

  /// Backward-data on oneDNN: straight into `dx`, or into the scratch buffer and added when accumulating.
  func dnnlBackwardData(_ dy: Tensor, into dx: Tensor, accumulate: Bool) {
    guard let dnnl else { return }
    let target: Tensor
    if accumulate {
      if accumulationScratch == nil { accumulationScratch = Tensor(zeros: inputShape) }
      target = accumulationScratch!
    } else {
      target = dx
    }
    dy.withUnsafeBufferPointer { dyp in
      weight.withUnsafeBufferPointer { wp in
        target.withUnsafeMutableBufferPointer { tp in
          Self.dnnlCall {
            try dnnl.backwardData(dy: dyp.baseAddress!, w: wp.baseAddress!, dx: tp.baseAddress!)
          }
        }
      }
    }
    if accumulate { ResidualAdd.forward(adding: target, into: dx) }
  }

  /// Runs a oneDNN backward call; a failure there (primitive creation on a first, untimed call) stops the
  /// program with oneDNN's message.
  static func dnnlCall(_ body: () throws -> Void) {
    do {
      try body()
    } catch {
      preconditionFailure("\(error)")
    }
  }
}
