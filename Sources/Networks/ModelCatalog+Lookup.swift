import Support

/// Looking layers up by name, with suggestions when a name is unknown.
extension ModelCatalog {
  /// The layer called `name`, or `CatalogError.unknownLayer` listing the closest names.
  package func layer(named name: String) throws(CatalogError) -> LayerSpec {
    if let layer = layers.first(where: { $0.name == name }) { return layer }
    throw CatalogError.unknownLayer(
      name: name, model: model, suggestions: closestNames(to: name, limit: 5))
  }

  /// Up to `limit` layer names nearest to `name` (edit distance; prefix matches first).
  package func closestNames(to name: String, limit: Int) -> [String] {
    ClosestNames.to(name, in: layers.map(\.name), limit: limit)
  }

  /// Layers whose name matches the regular expression `pattern` (Swift Regex syntax).
  package func layers(matching pattern: String) throws(CatalogError) -> [LayerSpec] {
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
