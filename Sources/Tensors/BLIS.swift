import Support

#if canImport(Glibc)
  import Glibc
#endif

/// BLIS, loaded at run time (`dlopen` of `libblis.so.4`, symbols resolved with `dlsym`), so one binary serves
/// both libraries: BLIS and OpenBLAS export the same CBLAS and Fortran symbol names and cannot both be
/// linked.
///
/// Only BLIS's own typed API (`bli_sgemm`, strides instead of leading dimensions) is called, so no call can
/// resolve to OpenBLAS's symbol of the same name.
///
/// Loaded once; `shared` is nil when the library is missing (the reason is `loadError`).
package final class BLISLibrary: @unchecked Sendable {
  /// `void bli_sgemm(trans_t, trans_t, dim_t m, n, k, float* α, float* a, inc_t rsa, csa, float* b,
  /// inc_t rsb, csb, float* β, float* c, inc_t rsc, csc)`; trans_t is a C enum (int), dim_t and inc_t
  /// 64-bit.
  typealias SGEMM =
    @convention(c) (
      Int32, Int32, Int64, Int64, Int64, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int64,
      Int64,
      UnsafeMutablePointer<Float>, Int64, Int64, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
      Int64,
      Int64
    ) -> Void
  typealias SetThreads = @convention(c) (Int64) -> Void
  typealias GetThreads = @convention(c) () -> Int64
  typealias VersionString = @convention(c) () -> UnsafePointer<CChar>?
  typealias ArchID = @convention(c) () -> Int32
  typealias ArchString = @convention(c) (Int32) -> UnsafePointer<CChar>?

  /// BLIS_NO_TRANSPOSE and BLIS_TRANSPOSE (BLIS_BITVAL_TRANS) of `trans_t`.
  static let noTranspose: Int32 = 0
  static let transpose: Int32 = 0x08

  let sgemm: SGEMM
  let setThreadsFunction: SetThreads
  let getThreadsFunction: GetThreads
  /// BLIS's version, for example "0.9.0".
  package let version: String
  /// The configuration (kernel set) BLIS dispatched to on this CPU, for example "zen3" or "haswell".
  package let architecture: String
  package let path: String

  /// The process's BLIS, loaded on first use (nil when it cannot be loaded; see `loadError`).
  package static let shared: BLISLibrary? = try? load()
  /// Why `shared` is nil.
  package static var loadError: String? {
    do {
      _ = try load()
      return nil
    } catch {
      return "\(error)"
    }
  }

  init(handle: UnsafeMutableRawPointer, path: String) throws(BLISError) {
    func symbol(_ name: String) throws(BLISError) -> UnsafeMutableRawPointer {
      guard let address = dlsym(handle, name) else { throw .missingSymbol(name, path: path) }
      return address
    }
    sgemm = unsafeBitCast(try symbol("bli_sgemm"), to: SGEMM.self)
    setThreadsFunction = unsafeBitCast(try symbol("bli_thread_set_num_threads"), to: SetThreads.self)
    getThreadsFunction = unsafeBitCast(try symbol("bli_thread_get_num_threads"), to: GetThreads.self)
    let versionFunction = unsafeBitCast(try symbol("bli_info_get_version_str"), to: VersionString.self)
    let archID = unsafeBitCast(try symbol("bli_arch_query_id"), to: ArchID.self)
    let archString = unsafeBitCast(try symbol("bli_arch_string"), to: ArchString.self)
    version = versionFunction().map { String(cString: $0) } ?? "unknown"
    architecture = archString(archID()).map { String(cString: $0) } ?? "unknown"
    self.path = path
  }

  static func load() throws(BLISError) -> BLISLibrary {
    let candidates = ["libblis.so.4", "libblis.so"]
    var reasons: [String] = []
    for name in candidates {
      // RTLD_LOCAL: BLIS's symbols stay out of the global namespace, so OpenBLAS keeps its own.
      if let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
        return try BLISLibrary(handle: handle, path: name)
      }
      reasons.append(dlerror().map { String(cString: $0) } ?? name)
    }
    throw .notInstalled(reasons.joined(separator: "; "))
  }

  /// Sets BLIS's thread count for the following calls.
  package func setThreads(_ count: Int) { setThreadsFunction(Int64(max(1, count))) }

  package var threads: Int { Int(getThreadsFunction()) }

  /// C ← α·op(A)·op(B) + β·C, row-major, as `BLAS.gemm`.
  @inline(__always)
  func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>,
    lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    var alpha = alpha
    var beta = beta
    withUnsafeMutablePointer(to: &alpha) { alphaPointer in
      withUnsafeMutablePointer(to: &beta) { betaPointer in
        // Row-major with leading dimension ld: row stride ld, column stride 1, for the stored matrix
        // (BLIS applies the transposition to it).
        sgemm(
          transposeA ? Self.transpose : Self.noTranspose, transposeB ? Self.transpose : Self.noTranspose,
          Int64(m), Int64(n), Int64(k), alphaPointer, UnsafeMutablePointer(mutating: a), Int64(lda), 1,
          UnsafeMutablePointer(mutating: b), Int64(ldb), 1, betaPointer, c, Int64(ldc), 1)
      }
    }
  }
}

/// BLIS could not be used.
package enum BLISError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  case notInstalled(String)
  case missingSymbol(String, path: String)

  /// The message printed for this error: what is missing and the package that provides it.
  package var description: String {
    switch self {
    case .notInstalled(let reason):
      return "BLIS is not installed (\(reason)); install it with: apt-get install libblis-dev "
        + "(scripts/setup does), or use the openblas backend"
    case .missingSymbol(let name, let path):
      return
        "\(path) has no \(name): not a BLIS 0.9 library; reinstall libblis-dev or use the openblas backend"
    }
  }

  /// Never bad input: a failure (exit 1).
  package var isBadInput: Bool { false }
}
