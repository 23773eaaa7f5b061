import Support

/// A shape that cannot exist (non-positive extents, groups not dividing channels, empty output).
package enum GeometryError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  case invalid(String)

  /// The message printed for this error: what is wrong and the valid range.
  package var description: String {
    switch self {
    case .invalid(let message): return "invalid convolution: \(message)"
    }
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}
