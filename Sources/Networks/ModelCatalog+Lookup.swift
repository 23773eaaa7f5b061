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
    let key = name.lowercased()
    let scored = layers.map { layer -> (String, Int) in
      let candidate = layer.name.lowercased()
      var distance = EditDistance.between(key, candidate)
      if candidate.hasPrefix(key) || key.hasPrefix(candidate) { distance -= 100 }
      return (layer.name, distance)
    }
    return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
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
      return "unknown model '\(name)'; valid models: "
        + ResNetModel.allCases.map(\.rawValue).joined(separator: ", ")
    case .unknownLayer(let name, let model, let suggestions):
      return "\(model) has no layer '\(name)'; closest names: "
        + suggestions.joined(separator: ", ") + " (list all with: lrd-bench layers --model \(model))"
    case .badFilter(let pattern, let reason):
      return "--filter '\(pattern)' is not a valid regular expression: \(reason)"
    case .filterMatchesNothing(let pattern, let model):
      return "--filter '\(pattern)' matches no layer of \(model) (names look like layer4.2.conv2, fc)"
    }
  }
}

/// Levenshtein distance between two strings (O(|a|·|b|)).
enum EditDistance {
  static func between(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}
