import Support

/// Errors in choosing a BLAS core.
package enum BLASCoreError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  case unknownCore(String)

  /// The message printed for this error: the core, what failed and the valid choices.
  package var description: String {
    switch self {
    case .unknownCore(let name):
      return "unknown OpenBLAS core '\(name)'; use auto, keep or one of: "
        + OpenBLASCores.known.joined(separator: ", ")
    }
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}
