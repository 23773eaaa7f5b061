import Networks

/// Parameters and multiply-adds of a layer under a factorization (per image, bias included): the
/// sums over `Factorization.factorShapes(of:)`.
package struct FactorizationCost: Hashable, Codable, Sendable {
  /// Weights of all factors (biases included).
  package var parameters: Int
  package var macsPerImage: Int
  /// Number of layers the factorization runs (1 original, 2 SVD, 3 Tucker-2 / branched).
  package var layerCount: Int

  /// FLOPs per image: two per multiply-add.
  package var flopsPerImage: Int { 2 * macsPerImage }

  /// The cost of computing `layer` as `factorization` (validated separately).
  package init(_ layer: LayerSpec, _ factorization: Factorization) {
    let factors = factorization.factorShapes(of: layer)
    parameters =
      factors.reduce(0) { $0 + $1.shape.weightCount } + (layer.bias ? layer.outChannels : 0)
    macsPerImage = factors.reduce(0) { $0 + $1.shape.macsPerImage }
    layerCount = factors.count
  }

  /// Δ% against `original` (docs/methods.md "Numerics": (x_variant / x_original − 1) × 100) for parameters and FLOPs.
  package func percentChange(from original: FactorizationCost) -> (parameters: Double, flops: Double) {
    (
      (Double(parameters) / Double(original.parameters) - 1) * 100,
      (Double(macsPerImage) / Double(original.macsPerImage) - 1) * 100
    )
  }
}
