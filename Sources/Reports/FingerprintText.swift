import Profiling

/// Lines every report header shares, from a result's fingerprint.
enum FingerprintText {
  /// The BLAS core line: CPU ISA, OpenBLAS's own choice, the core used, how it was chosen and the
  /// self-check (results written before lrd-bench recorded the choice show the core name only).
  static func blasCore(_ f: MachineFingerprint) -> String {
    guard let core = f.blasCore else {
      return "BLAS core \(f.openBLAS.coreName) (how it was chosen was not recorded)"
    }
    var line = core.headerLine
    if !core.warnings.isEmpty { line += ". Warning: " + core.warnings.joined(separator: " ") }
    return line
  }
}
