/// A shape that cannot exist (non-positive extents, groups not dividing channels, empty output).
public enum GeometryError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalid(String)

  /// The message printed for this error: what is wrong and the valid range.
  public var description: String {
    switch self {
    case .invalid(let message): return "invalid convolution: \(message)"
    }
  }
}
