import CAllocationCounter
import Support
import Testing

@testable import Tensors

@Suite("Padded GEMM detour")
struct PaddedGEMMTests {
  /// (m, n, k, extra leading-dimension padding) with N residues inside and outside 1…8.
  @Test(
    "equals a plain GEMM and allocates nothing",
    arguments: [(1, 1, 1, 0), (7, 4, 36, 0), (40, 17, 64, 3), (13, 24, 33, 1), (9, 16, 40, 0), (30, 9, 5, 2)])
  func matchesGEMM(shape: (m: Int, n: Int, k: Int, pad: Int)) {
    let (m, n, k, pad) = shape
    let (lda, ldb, ldc) = (k + pad, n + pad, n + pad)
    var rng = SplitMix64(seed: 9)
    let a = (0..<(m * lda)).map { _ in Float(rng.nextGaussian()) }
    let b = (0..<(k * ldb)).map { _ in Float(rng.nextGaussian()) }
    var expected = [Float](repeating: 7, count: m * ldc)
    var actual = expected
    let detour = PaddedGEMM(maxRows: m, n: n, k: k)
    var allocations: UInt64 = 0
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        expected.withUnsafeMutableBufferPointer { cp in
          BLAS.gemm(
            m: m, n: n, k: k, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb, c: cp.baseAddress!,
            ldc: ldc)
        }
        actual.withUnsafeMutableBufferPointer { cp in
          lrd_alloc_thread_start()
          detour.run(
            m: m, a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb, c: cp.baseAddress!, ldc: ldc)
          allocations = lrd_alloc_thread_stop()
        }
      }
    }
    #expect(detour.paddedN % 16 == 0 && detour.paddedN >= n)
    for i in 0..<(m * ldc) {
      // Padding columns of C stay untouched (7); the rest equals the plain GEMM.
      #expect(abs(actual[i] - expected[i]) <= 1e-5 * max(1, abs(expected[i])), "element \(i)")
    }
    // The detour exists for OpenBLAS (whose small-matrix kernel allocates); on BLIS and oneDNN the
    // GEMM inside it is theirs, and their allocations are reported per point instead.
    if BLAS.backend == .openblas { #expect(allocations == 0) }
  }
}
