/// A shape that cannot exist (non-positive extents, groups not dividing channels, empty output).
package enum GeometryError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalid(String)

  /// The message printed for this error: what is wrong and the valid range.
  package var description: String {
    switch self {
    case .invalid(let message): return "invalid convolution: \(message)"
    }
  }
}
