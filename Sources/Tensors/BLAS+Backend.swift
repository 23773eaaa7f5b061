import Foundation
import Support
import Synchronization

/// The library the kernels run on (`--backend`): OpenBLAS (linked), BLIS (loaded at run time) or oneDNN
/// (linked).
///
/// On OpenBLAS and BLIS a convolution is im2col + GEMM (the same algorithms, blocking and col2im on both);
/// on oneDNN it is oneDNN's own convolution primitive (`DNNLConvolution`), and the remaining GEMMs (same-shape
/// references, the peak) are `dnnl_sgemm`.
package enum GEMMBackend: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
  case openblas
  case blis
  case onednn

  /// The backend's name as `--backend` spells it.
  package var description: String { rawValue }

  /// The library's name as fingerprints and reports print it: "OpenBLAS", "BLIS" or "oneDNN".
  package var libraryName: String {
    switch self {
    case .openblas: return "OpenBLAS"
    case .blis: return "BLIS"
    case .onednn: return "oneDNN"
    }
  }

  /// The backend a fingerprint's library description names ("OpenBLAS 0.3.21 (Cooperlake)", "BLIS …",
  /// "oneDNN …", as `BLAS.backendDescription` writes it); OpenBLAS for a nil description (results written
  /// before backends were recorded), nil for an unknown library.
  package init?(library description: String?) {
    guard let description else {
      self = .openblas
      return
    }
    let name = description.split(separator: " ").first.map(String.init) ?? ""
    guard let backend = Self.allCases.first(where: { $0.libraryName == name }) else { return nil }
    self = backend
  }

  /// The Debian package that provides the backend's library.
  package var package: String {
    switch self {
    case .openblas: return "libopenblas-dev"
    case .blis: return "libblis-dev"
    case .onednn: return "libdnnl-dev"
    }
  }
}

/// A backend's library cannot be used here.
package struct BackendError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The backend asked for.
  package var backend: GEMMBackend
  /// Why it cannot be used.
  package var reason: String

  /// The message printed for this error: the backend, the reason and the package to install.
  package var description: String {
    "the \(backend) backend is not available: \(reason); install it with apt-get install \(backend.package) "
      + "(scripts/setup installs it)"
  }

  /// Never bad input: a failure (exit 1).
  package var isBadInput: Bool { false }
}

extension BLAS {
  /// The backend in use: `LRD_BENCH_BACKEND` (openblas, blis or onednn) at start-up, then as set by `use`.
  ///
  /// An atomic read (every GEMM that names no backend of its own reads it).
  package static var backend: GEMMBackend {
    backends[processBackend.load(ordering: .acquiring)]
  }

  /// The loaded BLIS when it is the backend.
  static var blis: BLISLibrary? { backend == .blis ? BLISLibrary.shared : nil }

  /// Every backend, once (`allCases` builds a new array on every call, and GEMMs read this one).
  private static let backends = GEMMBackend.allCases

  /// The process's backend, as its index in `backends`.
  private static let processBackend = Atomic<Int>(backends.firstIndex(of: initialBackend()) ?? 0)

  /// The problem with `LRD_BENCH_BACKEND`, validated as `--backend` is: nil when unset or one of
  /// openblas, blis, onednn (any case) whose library loads; otherwise a message naming the value and
  /// the fix (a misspelling, or a library that is not installed, is never silently OpenBLAS).
  package static func checkBackendVariable() -> String? {
    guard let text = ProcessInfo.processInfo.environment["LRD_BENCH_BACKEND"], !text.isEmpty else {
      return nil
    }
    guard let backend = GEMMBackend(rawValue: text.lowercased()) else {
      return "LRD_BENCH_BACKEND='\(text)' is not one of "
        + GEMMBackend.allCases.map(\.rawValue).joined(separator: ", ")
        + "; unset it for the default (openblas)"
    }
    do {
      _ = try load(backend)
    } catch {
      return "LRD_BENCH_BACKEND=\(text): \(error.description)"
    }
    return nil
  }

  /// From `LRD_BENCH_BACKEND` (openblas when unset or when the library cannot be loaded: `use` reports why).
  static func initialBackend() -> GEMMBackend {
    let requested = ProcessInfo.processInfo.environment["LRD_BENCH_BACKEND"]?.lowercased() ?? ""
    guard let backend = GEMMBackend(rawValue: requested) else { return .openblas }
    do {
      _ = try load(backend)
      return backend
    } catch {
      return .openblas
    }
  }

  /// Makes `backend` the process's backend.
  private static func setProcessBackend(_ backend: GEMMBackend) {
    processBackend.store(backends.firstIndex(of: backend) ?? 0, ordering: .releasing)
  }

  /// Loads `backend`'s library and gives it OpenBLAS's thread count; returns BLIS when that is the backend.
  ///
  /// OpenBLAS's count, because `threads` reads the process's backend, which may be being initialised. Throws
  /// when the library is missing.
  static func load(_ backend: GEMMBackend) throws(BackendError) -> BLISLibrary? {
    let count = Int(openblasThreads)
    switch backend {
    case .openblas:
      return nil
    case .blis:
      guard let blis = BLISLibrary.shared else {
        throw BackendError(backend: .blis, reason: BLISLibrary.loadError ?? "cannot load libblis.so.4")
      }
      blis.setThreads(count)
      return blis
    case .onednn:
      guard DNNL.shared != nil else {
        throw BackendError(backend: .onednn, reason: DNNL.loadError ?? "cannot create a oneDNN CPU engine")
      }
      DNNL.setThreads(count)
      return nil
    }
  }

  /// Throws when `backend`'s library cannot be used here (nothing is switched).
  package static func checkAvailable(_ backend: GEMMBackend) throws(BackendError) {
    _ = try load(backend)
  }

  /// Runs every following kernel on `backend` (with the current thread count).
  ///
  /// Call before building kernels (they decide backend-specific paths when made) and never while one runs.
  package static func use(_ backend: GEMMBackend) throws(BackendError) {
    _ = try load(backend)
    registered.withLock { _ = $0.remove(backend) }
    setProcessBackend(backend)
  }

  /// Backends kernels were built on besides the process's `backend` (`register`): thread counts and
  /// binding apply to each.
  static let registered = Mutex<Set<GEMMBackend>>([])

  /// Every backend in use: the process's and those registered by kernels.
  package static var backendsInUse: Set<GEMMBackend> { registered.withLock { $0 }.union([backend]) }

  /// Makes `backend` usable by a kernel alongside the process's backend.
  ///
  /// Loads its library and gives it the current thread count; throws when the library is missing. Call
  /// before timing, never while a kernel runs.
  package static func register(_ backend: GEMMBackend) throws(BackendError) {
    guard backend != self.backend, !registered.withLock({ $0.contains(backend) }) else { return }
    _ = try load(backend)
    registered.withLock { _ = $0.insert(backend) }
  }

  /// Runs `body` and then restores the process's backend and the registered set as they were (a check that
  /// builds kernels on other libraries leaves no trace in the binding of the study that follows).
  package static func withBackendsRestored<T>(_ body: () throws -> T) rethrows -> T {
    let (state, saved) = (backend, registered.withLock { $0 })
    defer {
      setProcessBackend(state)
      registered.withLock { $0 = saved }
    }
    return try body()
  }

  /// "OpenBLAS 0.3.21 (Cooperlake)", "BLIS 0.9.0 (zen3)" or "oneDNN 2.6.3 (avx512_core)".
  package static var backendDescription: String {
    switch backend {
    case .openblas: return "\(backend.libraryName) \(version) (\(coreName))"
    case .blis: return "\(backend.libraryName) \(blis?.version ?? "?") (\(blis?.architecture ?? "?"))"
    case .onednn: return "\(backend.libraryName) \(DNNL.version) (\(DNNL.isa))"
    }
  }

  /// The allocation profile kernels plan their detours with: OpenBLAS's measured one, or none on BLIS and
  /// oneDNN (whose allocations, if any, show in every point's allocation count).
  package static var backendAllocationProfile: GEMMAllocationProfile {
    backend == .openblas ? allocationProfile : .none
  }
}
