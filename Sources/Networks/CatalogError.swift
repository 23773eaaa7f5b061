import Support

/// Errors raised when looking up catalog entries.
package enum CatalogError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  case unknownModel(String)
  case unknownLayer(name: String, model: ResNetModel, suggestions: [String])
  case badFilter(pattern: String, reason: String)
  case filterMatchesNothing(pattern: String, model: ResNetModel)

  /// The message printed for this error, with the valid or closest names.
  package var description: String {
    switch self {
    case .unknownModel(let name):
      return "unknown model '\(ClosestNames.truncated(name))'; valid models: "
        + ResNetModel.allCases.map(\.rawValue).joined(separator: ", ")
    case .unknownLayer(let name, let model, let suggestions):
      return "\(model) has no layer '\(ClosestNames.truncated(name))'; closest names: "
        + suggestions.joined(separator: ", ") + " (the catalog lists them all)"
    case .badFilter(let pattern, let reason):
      return "the layer filter '\(pattern)' is not a valid regular expression: \(reason)"
    case .filterMatchesNothing(let pattern, let model):
      return "the layer filter '\(pattern)' matches no layer of \(model) (names look like layer4.2.conv2, fc)"
    }
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}
