/// What the user asked for with `--blas-core` / `LRD_BENCH_BLAS_CORE`.
package enum BLASCoreRequest: Equatable, Sendable, CustomStringConvertible {
  case auto
  case keep
  case named(String)

  /// Parses "auto", "keep" or a core name (case-insensitive; must be one lrd-bench knows).
  package init(parsing text: String) throws(BLASCoreError) {
    switch text.lowercased() {
    case "auto": self = .auto
    case "keep": self = .keep
    default:
      guard OpenBLASCores.level(of: text) != nil else { throw .unknownCore(text) }
      self = .named(OpenBLASCores.canonical(text))
    }
  }

  /// The request as `--blas-core` spells it (`auto`, `keep` or a core name).
  package var description: String {
    switch self {
    case .auto: return "auto"
    case .keep: return "keep"
    case .named(let name): return name
    }
  }
}
