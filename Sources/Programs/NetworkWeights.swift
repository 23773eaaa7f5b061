import Decomposition
import Networks

/// The original network's weights and their decompositions, shared by every variant built from them.
///
/// Weights are He-normal (std √(2/fan_in)) per layer, seeded by the layer name (`LayerSeed`), so a
/// network and a single-layer point of the same model use the same layer weights. Each layer's SVD or
/// HOSVD is computed once, on first use, and reused for every rank. Not thread-safe.
package final class NetworkWeights {
  /// The original network's layers.
  package let catalog: ModelCatalog
  private var decomposers: [String: LayerDecomposer] = [:]

  /// Weights for `catalog`, generated lazily per layer.
  package init(catalog: ModelCatalog) {
    self.catalog = catalog
  }

  /// The decomposer (original weights) of catalog layer `name`.
  package func decomposer(for name: String) throws -> LayerDecomposer {
    if let cached = decomposers[name] { return cached }
    let layer = try catalog.layer(named: name)
    let decomposer = try LayerDecomposer(layer: layer, seed: LayerSeed.of(name))
    decomposers[name] = decomposer
    return decomposer
  }

  /// The factor layers of a planned (catalog) layer.
  package func factors(of planned: PlannedLayer) throws -> [FactorLayer] {
    try decomposer(for: planned.layer.name).decompose(planned.factorization).factors
  }

  /// ‖W − W'‖_F / ‖W‖_F of a planned layer (0 when original).
  package func relativeError(of planned: PlannedLayer) throws -> Double {
    guard planned.factorization != .original else { return 0 }
    return try decomposer(for: planned.layer.name).decompose(planned.factorization).relativeError
  }

  /// The three layers of a merged block, merged from the original conv1, conv2 and conv3.
  package func mergedLayers(of block: PlannedBlock, ranks: MergeRanks) throws -> [FactorLayer] {
    let conv1 = try decomposer(for: "\(block.name).conv1")
    let conv2 = try decomposer(for: "\(block.name).conv2")
    let conv3 = try decomposer(for: "\(block.name).conv3")
    return try MergedBottleneck(
      conv1: (conv1.layer, conv1.weight), conv2: conv2, conv3: (conv3.layer, conv3.weight),
      r1: ranks.r1, r2: ranks.r2, branches: ranks.branches
    ).layers
  }
}
