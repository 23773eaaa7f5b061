import Support

/// Looking layers up by name, with suggestions when a name is unknown.
extension ModelCatalog {
  /// The layer called `name`, or `CatalogError.unknownLayer` listing the closest names.
  public func layer(named name: String) throws(CatalogError) -> LayerSpec {
    if let layer = layers.first(where: { $0.name == name }) { return layer }
    throw CatalogError.unknownLayer(
      name: name, model: model, suggestions: closestNames(to: name, limit: 5))
  }

  /// Up to `limit` layer names nearest to `name` (edit distance; prefix matches first).
  public func closestNames(to name: String, limit: Int) -> [String] {
    ClosestNames.to(name, in: layers.map(\.name), limit: limit)
  }

  /// Layers whose name matches the regular expression `pattern` (Swift Regex syntax).
  public func layers(matching pattern: String) throws(CatalogError) -> [LayerSpec] {
    let regex: Regex<AnyRegexOutput>
    do {
      regex = try Regex(pattern)
    } catch {
      throw CatalogError.badFilter(pattern: pattern, reason: "\(error)")
    }
    let matched = layers.filter { $0.name.contains(regex) }
    if matched.isEmpty { throw CatalogError.filterMatchesNothing(pattern: pattern, model: model) }
    return matched
  }
}

/// Errors raised when looking up catalog entries.
public enum CatalogError: Error, Equatable, Sendable, CustomStringConvertible {
  case unknownModel(String)
  case unknownLayer(name: String, model: ResNetModel, suggestions: [String])
  case badFilter(pattern: String, reason: String)
  case filterMatchesNothing(pattern: String, model: ResNetModel)

  public var description: String {
    switch self {
    case .unknownModel(let name):
      return "unknown model '\(ClosestNames.truncated(name))'; valid models: "
        + ResNetModel.allCases.map(\.rawValue).joined(separator: ", ")
    case .unknownLayer(let name, let model, let suggestions):
      return "\(model) has no layer '\(ClosestNames.truncated(name))'; closest names: "
        + suggestions.joined(separator: ", ") + " (list all with: lrd-bench layers --model \(model))"
    case .badFilter(let pattern, let reason):
      return "--filter '\(pattern)' is not a valid regular expression: \(reason)"
    case .filterMatchesNothing(let pattern, let model):
      return "--filter '\(pattern)' matches no layer of \(model) (names look like layer4.2.conv2, fc)"
    }
  }
}
