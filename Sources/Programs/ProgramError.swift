/// Errors raised while building a layer or network program: a request that cannot be built (exit 64:
/// an unknown or impossible variant, a factor that does not exist, ranks that do not fit).
package enum ProgramError: Error, Equatable, Sendable, CustomStringConvertible {
  /// An option or variant is impossible; the message names it and the valid forms.
  case invalidOption(String)
  /// Per-layer ranks (`optimized:DIR`) are missing a layer the network needs, or do not fit it.
  case ranks(String)

  /// The message printed for this error: what cannot be built and why.
  package var description: String {
    switch self {
    case .invalidOption(let message), .ranks(let message): return message
    }
  }
}
