import Foundation
import Support

/// The start-up self-check of the OpenBLAS core in use: `sgemm` on ragged shapes (M, N, K not multiples of
/// 8/16/32; every transpose; α, β ≠ 1 and the α = 1, β = 0 fast paths; padded leading dimensions; small,
/// direct and threaded-driver sizes) against double-precision loops, and `sgesdd` against `dgesdd`.
///
/// Takes a few milliseconds in a release build.
///
/// GEMM error: per element, |C − C_ref| / (|α|·Σₖ|a||b| + |β|·|C₀|), the componentwise bound, which
/// a correct kernel keeps below K·ε (ε = 2⁻²³); a broken tail or transpose path gives O(1).
package struct BLASSelfCheck: Codable, Sendable, Equatable {
  /// True when every GEMM case stayed below its bound and the SVD matched double precision.
  package var passed: Bool
  /// GEMM cases run (shapes × transposes × α/β).
  package var gemmCases: Int
  /// Worst componentwise GEMM error over all cases, in units of K·ε.
  package var worstGEMMError: Double
  /// The GEMM case with the worst error, as `M×N×K transA transB α β`.
  package var worstGEMMCase: String
  /// max |σ_single − σ_double| / σ_max over the SVD cases.
  package var svdSingularValueError: Double
  /// max ‖A − U·Σ·Vᵀ‖_F / ‖A‖_F of the single-precision factors, in double.
  package var svdReconstructionError: Double
  /// Each failed case with its error, empty when `passed`.
  package var failures: [String]
  /// Wall time of the whole check, in seconds.
  package var seconds: Double
  /// Which GEMM forms allocate with this core (measured with the allocation counter).
  package var allocations: GEMMAllocationProfile

  /// A check result from its fields.
  package init(
    passed: Bool, gemmCases: Int, worstGEMMError: Double, worstGEMMCase: String,
    svdSingularValueError: Double,
    svdReconstructionError: Double, failures: [String], seconds: Double, allocations: GEMMAllocationProfile
  ) {
    self.passed = passed
    self.gemmCases = gemmCases
    self.worstGEMMError = worstGEMMError
    self.worstGEMMCase = worstGEMMCase
    self.svdSingularValueError = svdSingularValueError
    self.svdReconstructionError = svdReconstructionError
    self.failures = failures
    self.seconds = seconds
    self.allocations = allocations
  }

  /// "passed (56 sgemm cases, worst 0.04 K·ε; sgesdd vs dgesdd 3e-07)" or the first failures.
  package var summary: String {
    let detail =
      "\(gemmCases) sgemm cases, worst \(String(format: "%.2f", worstGEMMError)) K·ε; "
      + "sgesdd vs dgesdd \(String(format: "%.1e", svdSingularValueError)), "
      + String(format: "%.0f ms", seconds * 1000)
    guard let first = failures.first else { return "passed (\(detail))" }
    return "FAILED (\(failures.count) problem\(failures.count == 1 ? "" : "s"), first: \(first))"
  }
}

/// A row-major sgemm as `BLAS.gemm` has it, injectable so tests can check that a wrong kernel fails.
package typealias SGEMMFunction =
  @Sendable (
    _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
    _ c: UnsafeMutablePointer<Float>, _ ldc: Int
  ) -> Void

extension BLAS {
  /// `BLAS.gemm` as an `SGEMMFunction`.
  package static let systemSGEMM: SGEMMFunction = { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
    gemm(
      transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
      beta: beta, c: c, ldc: ldc)
  }

  /// GEMM shapes of the self-check (M, N, K, extra leading-dimension padding): ragged tails, the
  /// small-matrix path (M·N·K ≤ 10⁶ on AVX-512 cores) near its bound, and the threaded driver above it.
  static let selfCheckShapes: [(m: Int, n: Int, k: Int, pad: Int)] = [
    (1, 1, 1, 0), (3, 5, 7, 1), (17, 9, 33, 0), (31, 47, 5, 3), (37, 29, 53, 0), (65, 3, 129, 2),
    (300, 17, 16, 0), (129, 67, 33, 0), (96, 100, 101, 5), (160, 131, 53, 0),
  ]

  /// Runs the self-check with `sgemm` (default: this process's OpenBLAS).
  ///
  /// Tolerance: 4·K·ε componentwise for GEMM, 1e-4 relative for the SVD.
  package static func selfCheck(sgemm: SGEMMFunction = systemSGEMM) -> BLASSelfCheck {
    let start = DispatchTime.now().uptimeNanoseconds
    let allocations = allocationProfile
    var failures: [String] = []
    var worst = 0.0
    var worstCase = ""
    var cases = 0
    var rng = SplitMix64(seed: 0xB1A5)
    let scalings: [(Float, Float)] = [(1, 0), (1.5, 0.75), (-0.5, 1)]
    for shape in selfCheckShapes {
      for transposeA in [false, true] {
        for transposeB in [false, true] {
          // Every α/β path on the small shapes; one (α, β ≠ 1) on the larger ones.
          let large = shape.m * shape.n * shape.k > 200_000
          for (alpha, beta) in large ? [scalings[1]] : scalings {
            cases += 1
            let error = gemmError(
              shape: shape, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
              sgemm: sgemm, using: &rng)
            let label =
              "\(transposeA ? "T" : "N")\(transposeB ? "T" : "N") \(shape.m)×\(shape.n)×\(shape.k) α=\(alpha) β=\(beta)"
            let measured = error.isNaN ? Double.infinity : error
            if measured > worst || worstCase.isEmpty {
              worst = measured
              worstCase = label
            }
            if measured > 4 {
              failures.append("sgemm \(label): error \(String(format: "%.3g", measured)) K·ε")
            }
          }
        }
      }
    }
    var singularError = 0.0
    var reconstructionError = 0.0
    for (m, n) in [(23, 17), (40, 61)] {
      let a = (0..<(m * n)).map { _ in Float(rng.nextGaussian()) }
      do {
        let single = try LAPACK.svd(a, m: m, n: n)
        let double = try LAPACK.svdDouble(a.map(Double.init), m: m, n: n)
        let top = double.s.first ?? 1
        for (x, y) in zip(single.s, double.s) { singularError = max(singularError, abs(Double(x) - y) / top) }
        var difference = 0.0
        var norm = 0.0
        for i in 0..<m {
          for j in 0..<n {
            var value = 0.0
            for q in 0..<single.p {
              value += Double(single.u[i * single.p + q]) * Double(single.s[q]) * Double(single.vt[q * n + j])
            }
            let original = Double(a[i * n + j])
            difference += (original - value) * (original - value)
            norm += original * original
          }
        }
        reconstructionError = max(reconstructionError, (difference / norm).squareRoot())
      } catch {
        failures.append("sgesdd \(m)×\(n): \(error)")
      }
    }
    if !(singularError <= 1e-4) {
      failures.append("sgesdd singular values differ from dgesdd by \(singularError) of σ_max")
    }
    if !(reconstructionError <= 1e-4) {
      failures.append("sgesdd factors reconstruct the matrix with relative error \(reconstructionError)")
    }
    return BLASSelfCheck(
      passed: failures.isEmpty, gemmCases: cases, worstGEMMError: worst, worstGEMMCase: worstCase,
      svdSingularValueError: singularError, svdReconstructionError: reconstructionError,
      failures: failures,
      seconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, allocations: allocations)
  }

  /// Worst componentwise error of one sgemm call, in units of K·ε.
  static func gemmError(
    shape: (m: Int, n: Int, k: Int, pad: Int), transposeA: Bool, transposeB: Bool, alpha: Float,
    beta: Float, sgemm: SGEMMFunction, using rng: inout SplitMix64
  ) -> Double {
    let (m, n, k, pad) = shape
    // Stored extents: op(A) is m×k, so A is stored k×m when transposed.
    let (aRows, aColumns) = transposeA ? (k, m) : (m, k)
    let (bRows, bColumns) = transposeB ? (n, k) : (k, n)
    let (lda, ldb, ldc) = (aColumns + pad, bColumns + pad, n + pad)
    func random(_ count: Int) -> [Float] { (0..<count).map { _ in Float(rng.nextGaussian()) } }
    let a = random(aRows * lda)
    let b = random(bRows * ldb)
    let c0 = random(m * ldc)
    var c = c0
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          sgemm(
            transposeA, transposeB, m, n, k, alpha, ap.baseAddress!, lda, bp.baseAddress!, ldb, beta,
            cp.baseAddress!, ldc)
        }
      }
    }
    let unit = Double(max(k, 1)) * Double(Float.ulpOfOne)
    var worst = 0.0
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        c.withUnsafeBufferPointer { c in
          c0.withUnsafeBufferPointer { c0 in
            for i in 0..<m {
              for j in 0..<n {
                var exact = 0.0
                var bound = 0.0
                for q in 0..<k {
                  let product =
                    Double(transposeA ? a[q * lda + i] : a[i * lda + q])
                    * Double(transposeB ? b[j * ldb + q] : b[q * ldb + j])
                  exact += product
                  bound += abs(product)
                }
                let old = Double(c0[i * ldc + j])
                let reference = Double(alpha) * exact + Double(beta) * old
                let scale = abs(Double(alpha)) * bound + abs(Double(beta)) * abs(old)
                let error = abs(Double(c[i * ldc + j]) - reference) / max(scale, .leastNormalMagnitude) / unit
                worst = error.isNaN ? .nan : max(worst, error)
                if worst.isNaN { return }
              }
            }
          }
        }
      }
    }
    if worst.isNaN { return .nan }
    // Padding columns of C must be untouched.
    for i in 0..<m where pad > 0 {
      for j in n..<ldc where c[i * ldc + j] != c0[i * ldc + j] { return .infinity }
    }
    return worst
  }
}
