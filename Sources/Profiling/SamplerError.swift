package enum SamplerError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalid(String)
  /// The message printed for this error: the bad setting and its valid range.
  package var description: String {
    switch self {
    case .invalid(let message): return message
    }
  }
}
