/// Invalid sampler settings.
public enum SamplerError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalid(String)
  public var description: String {
    switch self {
    case .invalid(let message): return message
    }
  }
}
