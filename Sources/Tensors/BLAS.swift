import CBLAS

/// Thin, safe-by-construction wrappers over OpenBLAS (and the other backends' GEMMs).
///
/// All matrices are row-major.
///
/// Pointer arguments must come from a `withUnsafe…` closure of the caller; nothing here stores them.
package enum BLAS {
  /// C ← α·op(A)·op(B) + β·C, with op(A) m×k, op(B) k×n, C m×n (row-major, leading dimensions in elements),
  /// on `backend` (a kernel's own, registered with `register`), else on the process's `backend`.
  ///
  /// Complexity 2·m·n·k flops; threads as set by `BLAS.threads`.
  package static func gemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    on backend: GEMMBackend? = nil
  ) {
    guard m > 0, n > 0 else { return }
    switch backend ?? self.backend {
    case .blis:
      // Loaded: it is the process's backend, or a kernel registered it (`register`) before running.
      guard let blis = BLISLibrary.shared else {
        preconditionFailure("BLIS is not loaded")
      }
      blis.gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
        ldb: ldb, beta: beta, c: c, ldc: ldc)
    case .onednn:
      DNNL.sgemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b,
        ldb: ldb, beta: beta, c: c, ldc: ldc)
    case .openblas:
      cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
  }

  /// y ← α·x + y over `count` elements.
  @inlinable
  package static func axpy(
    count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
  ) {
    cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
  }

  /// Tensor-level GEMM for setup code and tests: returns op(A)·op(B) for rank-2 tensors.
  package static func matmul(
    _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
  ) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0]
    let k = transposeA ? a.shape[0] : a.shape[1]
    let kb = transposeB ? b.shape[1] : b.shape[0]
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition(k == kb, "inner dimensions differ: \(a.shape) vs \(b.shape)")
    let c = Tensor(zeros: [m, n])
    if k == 0 { return c }
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
            a: ap.baseAddress!, lda: a.shape[1], b: bp.baseAddress!, ldb: b.shape[1],
            c: cp.baseAddress!, ldc: n)
        }
      }
    }
    return c
  }
}
