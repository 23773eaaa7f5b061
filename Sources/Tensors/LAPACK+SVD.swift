import CLAPACKE

/// A thin singular value decomposition A = U·diag(S)·Vᵀ of an m×n matrix.
///
/// Layout: `u` is m×p, `vt` is p×n (row-major), `s` has p = min(m, n) values in decreasing order.
package struct SingularValueDecomposition: Sendable {
  package var m: Int
  package var n: Int
  /// U, m×p, row-major.
  package var u: [Float]
  /// Singular values, p = min(m, n) of them, decreasing.
  package var s: [Float]
  /// Vᵀ, p×n, row-major.
  package var vt: [Float]

  /// min(m, n).
  package var p: Int { s.count }
}

/// LAPACK entry points used by lrd-bench; status codes become `NumericsError`.
package enum LAPACK {
  /// Maps a LAPACK `info` to a typed error (the one place that interprets LAPACK status codes).
  static func check(_ info: lrd_lapack_int, _ routine: String) throws(NumericsError) {
    if info != 0 { throw NumericsError.lapack(routine: routine, info: Int(info)) }
  }

  /// Thin SVD of the row-major m×n matrix `a` with `sgesdd` (divide and conquer).
  ///
  /// Complexity O(m·n·min(m,n)). Throws `.nonFinite` for NaN/∞ input and `.lapack` on failure.
  package static func svd(_ a: [Float], m: Int, n: Int) throws(NumericsError)
    -> SingularValueDecomposition
  {
    guard a.allSatisfy({ $0.isFinite }) else { throw NumericsError.nonFinite(what: "matrix") }
    let (s, u, vt) = try gesdd(a, m: m, n: n, routine: "sgesdd") { m, n, a, s, u, vt in
      LAPACKE_sgesdd(lrd_lapack_row_major(), CChar(UInt8(ascii: "S")), m, n, a, n, s, u, min(m, n), vt, n)
    }
    return SingularValueDecomposition(m: m, n: n, u: u, s: s, vt: vt)
  }

  /// Thin SVD in double precision (`dgesdd`), the reference the start-up self-check compares `sgesdd` with.
  ///
  /// Returns (singular values, U m×p, Vᵀ p×n), row-major.
  package static func svdDouble(_ a: [Double], m: Int, n: Int) throws(NumericsError)
    -> (s: [Double], u: [Double], vt: [Double])
  {
    try gesdd(a, m: m, n: n, routine: "dgesdd") { m, n, a, s, u, vt in
      LAPACKE_dgesdd(lrd_lapack_row_major(), CChar(UInt8(ascii: "S")), m, n, a, n, s, u, min(m, n), vt, n)
    }
  }

  /// The shared body of `?gesdd`: checks the shape, allocates S, U, Vᵀ and maps `info`.
  ///
  /// `call` receives (m, n, A, S, U, Vᵀ) and returns LAPACK's info.
  static func gesdd<T: BinaryFloatingPoint>(
    _ a: [T], m: Int, n: Int, routine: String,
    call: (
      lrd_lapack_int, lrd_lapack_int, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?,
      UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?
    ) -> lrd_lapack_int
  ) throws(NumericsError) -> (s: [T], u: [T], vt: [T]) {
    guard a.count == m * n, m > 0, n > 0 else {
      throw NumericsError.shapeMismatch("svd: \(a.count) values do not form a \(m)×\(n) matrix")
    }
    let p = min(m, n)
    var work = a
    var s = [T](repeating: 0, count: p)
    var u = [T](repeating: 0, count: m * p)
    var vt = [T](repeating: 0, count: p * n)
    let info = work.withUnsafeMutableBufferPointer { ap in
      s.withUnsafeMutableBufferPointer { sp in
        u.withUnsafeMutableBufferPointer { up in
          vt.withUnsafeMutableBufferPointer { vp in
            call(
              lrd_lapack_int(m), lrd_lapack_int(n), ap.baseAddress, sp.baseAddress, up.baseAddress,
              vp.baseAddress)
          }
        }
      }
    }
    try check(info, routine)
    return (s, u, vt)
  }
}
