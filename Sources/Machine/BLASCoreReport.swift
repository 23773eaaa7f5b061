import Tensors

/// How the OpenBLAS core a process measures with was chosen, and whether it was verified: stated in
/// every result's fingerprint and report header.
package struct BLASCoreReport: Codable, Sendable, Equatable {
  /// How the core in use came to be.
  package enum Selection: String, Codable, Sendable {
    /// OpenBLAS's own choice, which matches the CPU's SIMD level.
    case openblas
    /// OpenBLAS chose a generic core; lrd-bench picked a better one, verified it and restarted with it.
    case auto
    /// `OPENBLAS_CORETYPE` was set in the environment and is respected.
    case user
    /// `--blas-core keep`: whatever OpenBLAS runs, even a generic core.
    case keep
    /// `--blas-core NAME`.
    case named
    /// The chosen core failed its self-check (or every candidate did); OpenBLAS's own choice is used.
    case fallback
  }

  /// The CPU's SIMD level and extensions, for example "AVX-512 + AVX512_BF16, AVX512_VNNI".
  package var isa: String
  /// The SIMD level ranked (SSE4.2 < AVX < AVX2 < AVX-512), which decides the best cores.
  package var isaLevel: ISALevel
  /// The core OpenBLAS picks by itself on this CPU (nil when it could not be probed).
  package var openBLASChoice: String?
  /// The core this process runs (`openblas_get_corename`).
  package var coreUsed: String
  /// How the core in use was chosen.
  package var selection: Selection
  /// One sentence: why this core.
  package var reason: String
  /// `OPENBLAS_CORETYPE` as the process saw it (set by the user, or by lrd-bench when it restarted).
  package var coretypeVariable: String?
  /// The in-process self-check of `coreUsed` (nil only before it ran).
  package var selfCheck: BLASSelfCheck?
  /// Things the user must know (a generic core kept, a failed check, an ignored variable).
  package var warnings: [String]
  /// Seconds spent choosing: child self-checks and restarts included.
  package var selectionSeconds: Double
  /// Set when the generic-core condition was simulated (`LRD_BENCH_SIMULATE_OPENBLAS_CHOICE`).
  package var simulatedOpenBLASChoice: String?

  /// "BLAS core: Cooperlake (openblas: OpenBLAS's own choice …); CPU AVX-512 + …; self-check passed (…)".
  package var headerLine: String {
    let own = openBLASChoice.map { "OpenBLAS's own choice \($0)" } ?? "OpenBLAS's own choice not probed"
    let check = selfCheck?.summary ?? "self-check not run"
    return
      "BLAS core \(coreUsed) (\(selection.rawValue); \(own)\(simulatedOpenBLASChoice == nil ? "" : ", simulated")); "
      + "CPU \(isa); self-check \(check)"
  }
}
