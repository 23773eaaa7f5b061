import Foundation

/// The library every GEMM of lrd-bench runs on (`--backend`): OpenBLAS (linked) or BLIS (loaded at run time).
///
/// The kernels' algorithms (im2col + GEMM, blocking, col2im) are the same on both.
public enum GEMMBackend: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
  case openblas
  case blis

  /// The backend's name as `--backend` spells it.
  public var description: String { rawValue }
}

extension BLAS {
  /// The backend in use: `LRD_BENCH_BACKEND` (openblas or blis) at start-up, then as set by `use`.
  public static var backend: GEMMBackend { backendState.backend }

  /// The loaded BLIS when it is the backend.
  static var blis: BLISLibrary? { backendState.blis }

  nonisolated(unsafe) static var backendState: (backend: GEMMBackend, blis: BLISLibrary?) = initialBackend()

  /// From `LRD_BENCH_BACKEND` (openblas when unset or when BLIS cannot be loaded: `use` reports why).
  static func initialBackend() -> (backend: GEMMBackend, blis: BLISLibrary?) {
    guard ProcessInfo.processInfo.environment["LRD_BENCH_BACKEND"]?.lowercased() == "blis",
      let blis = BLISLibrary.shared
    else { return (.openblas, nil) }
    // OpenBLAS's count: `threads` reads `backendState`, which is being initialised here.
    blis.setThreads(Int(openblasThreads))
    return (.blis, blis)
  }

  /// Runs every following GEMM on `backend` (with the current thread count).
  ///
  /// Call before building kernels (they decide OpenBLAS-specific detours when made) and never while one runs.
  public static func use(_ backend: GEMMBackend) throws(BLISError) {
    switch backend {
    case .openblas:
      backendState = (.openblas, nil)
    case .blis:
      guard let blis = BLISLibrary.shared else { throw .notInstalled(BLISLibrary.loadError ?? "cannot load") }
      blis.setThreads(Int(openblasThreads))
      backendState = (.blis, blis)
    }
  }

  /// "OpenBLAS 0.3.21 (Cooperlake)" or "BLIS 0.9.0 (zen3)".
  public static var backendDescription: String {
    switch backend {
    case .openblas: return "OpenBLAS \(version) (\(coreName))"
    case .blis: return "BLIS \(blis?.version ?? "?") (\(blis?.architecture ?? "?"))"
    }
  }

  /// The allocation profile kernels plan their detours with: OpenBLAS's measured one, or none on BLIS
  /// (whose allocations, if any, show in every point's allocation count).
  public static var backendAllocationProfile: GEMMAllocationProfile {
    backend == .openblas
      ? allocationProfile
      : GEMMAllocationProfile(
        measured: false, allocatingResidues: [], minimumK: 0, smallLimit: 0, transposedFormsAllocate: false,
        shapesChecked: 0, mismatches: [])
  }
}
