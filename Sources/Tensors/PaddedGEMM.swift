/// `C = A·B` (row-major, no transposes, β = 0) computed with N padded to a multiple of 16: the
/// detour around OpenBLAS's allocating small-matrix NN kernel (see `GEMMAllocationProfile`).
///
/// B's K×N block is copied into a zero-padded K×N₁₆ buffer, the product goes to an M×N₁₆ scratch,
/// and its first N columns are copied into C. On the AVX-512 cores the padded columns cost little
/// (N is the vectorised dimension and the kernel computes whole 16-float vectors anyway); the copies
/// are K·N + M·N floats. Both buffers are allocated in `init`; `run` allocates nothing.
package final class PaddedGEMM {
  /// The most rows (M) a `run` may have; sizes the scratch buffer.
  package let maxRows: Int
  /// Columns N of B and C.
  package let n: Int
  package let k: Int
  /// N rounded up to a multiple of 16.
  package let paddedN: Int
  private var paddedB: [Float]
  private var scratch: [Float]

  /// A detour for products of at most `maxRows` rows by a K×N operand.
  package init(maxRows: Int, n: Int, k: Int) {
    precondition(maxRows > 0 && n > 0 && k > 0, "PaddedGEMM needs positive extents")
    self.maxRows = maxRows
    self.n = n
    self.k = k
    paddedN = (n + 15) / 16 * 16
    paddedB = [Float](repeating: 0, count: k * paddedN)
    scratch = [Float](repeating: 0, count: maxRows * paddedN)
  }

  /// C[0..<m, 0..<n] (leading dimension `ldc`) ← A (m×k, `lda`) · B (k×n, `ldb`).
  package func run(
    m: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    precondition(m <= maxRows, "PaddedGEMM: \(m) rows exceed \(maxRows)")
    let (n, k, wide) = (self.n, self.k, paddedN)
    paddedB.withUnsafeMutableBufferPointer { bp in
      for row in 0..<k {
        (bp.baseAddress! + row * wide).update(from: b + row * ldb, count: n)
      }
      scratch.withUnsafeMutableBufferPointer { sp in
        BLAS.gemm(
          m: m, n: wide, k: k, a: a, lda: lda, b: UnsafePointer(bp.baseAddress!), ldb: wide,
          c: sp.baseAddress!, ldc: wide)
        for row in 0..<m {
          (c + row * ldc).update(from: sp.baseAddress! + row * wide, count: n)
        }
      }
    }
  }
}
