import Programs
import Tensors

/// Plain `cblas_sgemm` calls on preallocated row-major operands: the reference every kernel is
/// compared with, and the workload of `lrd-bench counters`.
///
/// Inference: C (M×N) = A (M×K) · B (K×N). Training adds the two GEMMs of a backward pass,
/// dA (M×K) = C · Bᵀ and dB (K×N) = Aᵀ · C. `run()` allocates nothing.
package final class GEMMWorkload {
  /// Rows M of A and C.
  package let m: Int
  /// Columns N of B and C.
  package let n: Int
  package let k: Int
  /// True when `run()` adds the two backward GEMMs.
  package let training: Bool
  let a: Tensor
  let b: Tensor
  let c: Tensor
  let da: Tensor
  let db: Tensor

  /// Operands filled with uniform values (timing does not depend on them), every page touched.
  package convenience init(m: Int, n: Int, k: Int, training: Bool = false, seed: UInt64 = 7) {
    self.init(
      m: m, n: n, k: k, training: training, a: Tensor(uniform: [m, k], seed: seed),
      b: Tensor(uniform: [k, n], seed: seed &+ 1), c: Tensor(zeros: [m, n]))
  }

  /// GEMMs on existing buffers (any shape with the right element counts), for example a kernel's own input,
  /// weights and output, so the kernel and its reference touch the same memory.
  ///
  /// `da` and `db` are allocated when training and not given.
  package init(
    m: Int, n: Int, k: Int, training: Bool, a: Tensor, b: Tensor, c: Tensor, da: Tensor? = nil,
    db: Tensor? = nil
  ) {
    precondition(
      a.count == m * k && b.count == k * n && c.count == m * n, "GEMM operands do not fit \(m)×\(n)×\(k)")
    self.m = m
    self.n = n
    self.k = k
    self.training = training
    self.a = a
    self.b = b
    self.c = c
    self.da = da ?? Tensor(zeros: training ? [m, k] : [0])
    self.db = db ?? Tensor(zeros: training ? [k, n] : [0])
    precondition(
      !training || (self.da.count == m * k && self.db.count == k * n), "gradient buffers do not fit")
  }

  /// FLOPs of one `run()`.
  package var flops: Int { (training ? 3 : 1) * 2 * m * n * k }

  /// One call: the forward GEMM, plus the two backward GEMMs in training.
  package func run() {
    let (m, n, k) = (self.m, self.n, self.k)
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          BLAS.gemm(
            m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!,
            ldc: n)
          guard training else { return }
          da.withUnsafeMutableBufferPointer { dap in
            BLAS.gemm(
              transposeB: true, m: m, n: k, k: n, a: UnsafePointer(cp.baseAddress!), lda: n,
              b: bp.baseAddress!,
              ldb: n, c: dap.baseAddress!, ldc: k)
          }
          db.withUnsafeMutableBufferPointer { dbp in
            BLAS.gemm(
              transposeA: true, m: k, n: n, k: m, a: ap.baseAddress!, lda: k,
              b: UnsafePointer(cp.baseAddress!),
              ldb: n, c: dbp.baseAddress!, ldc: n)
          }
        }
      }
    }
  }
}
