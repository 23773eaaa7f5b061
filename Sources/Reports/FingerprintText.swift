import Machine
import Tensors

/// Lines every report header shares, from a result's fingerprint.
enum FingerprintText {
  /// Machine, libraries and build; the BLAS core and how it was chosen; the run's conditions.
  static func header(_ f: MachineFingerprint) -> [String] {
    [
      "Machine: \(f.cpuModel); \(f.topology).",
      "OpenBLAS \(f.openBLAS.version) (\(f.openBLAS.coreName)); \(f.papi); build \(f.buildConfiguration), "
        + "commit \(f.gitCommit.prefix(12)).",
      blasCore(f) + ".",
    ]
      + (f.kernelBackend == .openblas ? [] : ["Kernel backend: \(f.gemmBackend ?? "?") (not OpenBLAS)."])
      + (conditions(f).map { [$0] } ?? [])
  }

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

  /// "Conditions: governor n/a, boost n/a, SMT notsupported; load 0.30 → 1.95; steal 0.0%" (+ warning).
  static func conditions(_ f: MachineFingerprint) -> String? {
    guard let c = f.conditions else { return nil }
    func load(_ values: [Double]?) -> String { values?.first.map { Format.fixed($0, 2) } ?? "?" }
    var line =
      "Conditions: governor \(c.governor ?? "not readable"), boost \(c.boost ?? "not readable"), "
      + "SMT \(c.smt ?? "not readable"); load average \(load(c.loadAverageStart)) → \(load(c.loadAverageEnd)); "
      + "steal \(c.stealFraction.map { Format.percent($0, digits: 1) } ?? "not readable")."
    if let warning = c.warning(cores: f.cores) { line += " Warning: \(warning)." }
    return line
  }
}
