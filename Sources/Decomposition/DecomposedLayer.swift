import Networks
import Support
import Tensors

/// One layer of a decomposed layer: its shape (as a `LayerSpec` named `<layer>[<part>]`) and weights.
package struct FactorLayer {
  /// The factor's shape, named `<layer>[<part>]`.
  package var spec: LayerSpec
  /// HWIO weight `[k, k, Cin/groups, Cout]`.
  package var weight: Tensor
  /// The original layer's bias `[Cout]` on the factor that carries it; nil on the others.
  package var bias: Tensor?

  /// A factor with its weights.
  package init(spec: LayerSpec, weight: Tensor, bias: Tensor? = nil) {
    self.spec = spec
    self.weight = weight
    self.bias = bias
  }
}

/// A layer computed as a factorization: the factor layers in execution order and how far their
/// product is from the original weights.
package struct DecomposedLayer {
  package var layer: LayerSpec
  /// How it was decomposed.
  package var factorization: Factorization
  /// The factors in execution order.
  package var factors: [FactorLayer]
  /// ‖W − W'‖_F / ‖W‖_F of the reconstructed weight (0 for `original`).
  package var relativeError: Double
  /// Parameters, multiply-adds and layer count of the factors.
  package var cost: FactorizationCost { FactorizationCost(layer, factorization) }
}

extension DecomposedLayer {
  /// The factor layers of `factorization` with He-normal random weights (seeded) instead of decomposed ones.
  ///
  /// The same shapes, so the same work per call, without computing an SVD (for counting instructions under
  /// valgrind, which runs LAPACK's SVD hundreds of times slower). `relativeError` is NaN: it means nothing here.
  package static func randomFactors(
    of layer: LayerSpec, _ factorization: Factorization, seed: UInt64
  ) throws(DecompositionError) -> DecomposedLayer {
    try factorization.validate(for: layer)
    var rng = SplitMix64(seed: seed)
    let factors = factorization.factorShapes(of: layer).map { factor in
      let spec =
        factor.part.isEmpty
        ? layer
        : LayerSpec(
          name: "\(layer.name)[\(factor.part)]", kind: layer.kind, role: layer.role, shape: factor.shape,
          bias: factor.carriesBias)
      let bias = factor.carriesBias ? Tensor(heNormal: [factor.shape.outChannels], using: &rng) : nil
      return FactorLayer(
        spec: spec, weight: Tensor(heNormal: factor.shape.weightShape, using: &rng), bias: bias)
    }
    return DecomposedLayer(layer: layer, factorization: factorization, factors: factors, relativeError: .nan)
  }
}

/// Decomposes one layer's weights for any number of factorizations, computing the SVD or HOSVD once.
///
/// Not thread-safe; one per layer and sweep.
package final class LayerDecomposer {
  /// The layer being decomposed.
  package let layer: LayerSpec
  /// The original HWIO weight `[k, k, Cin/groups, Cout]`.
  package let weight: Tensor
  /// The original bias `[Cout]` of a linear layer; nil for convolutions (ResNet convolutions have none).
  package let bias: Tensor?
  private var svdCache: SVDDecomposition?
  private var tuckerCache: Tucker2Decomposition?

  /// A decomposer for `layer` with the given original weights (and bias for linear layers).
  package init(layer: LayerSpec, weight: Tensor, bias: Tensor? = nil) throws(DecompositionError) {
    let expected = layer.shape.weightShape
    guard weight.shape == expected else {
      throw .numerics("weight \(weight.shape) does not match \(layer.name) (\(expected))")
    }
    guard weight.isFinite else {
      throw .numerics(NumericsError.nonFinite(what: "\(layer.name) weight").description)
    }
    self.layer = layer
    self.weight = weight
    self.bias = bias ?? (layer.bias ? Tensor(zeros: [layer.outChannels]) : nil)
  }

  /// A decomposer for `layer` with He-normal random weights (std √(2/fan_in)) from `seed`.
  package convenience init(layer: LayerSpec, seed: UInt64) throws(DecompositionError) {
    var rng = SplitMix64(seed: seed)
    try self.init(layer: layer, weight: Tensor(heNormal: layer.shape.weightShape, using: &rng))
  }

  /// The SVD of the weight (computed on first use).
  package func svd() throws(DecompositionError) -> SVDDecomposition {
    if let svdCache { return svdCache }
    let result = try SVDDecomposition(weight: weight)
    svdCache = result
    return result
  }

  /// The HOSVD of the weight (computed on first use).
  package func tucker2() throws(DecompositionError) -> Tucker2Decomposition {
    if let tuckerCache { return tuckerCache }
    let result = try Tucker2Decomposition(weight: weight)
    tuckerCache = result
    return result
  }

  /// The factor layers of `factorization`, validated against the layer.
  package func decompose(_ factorization: Factorization) throws(DecompositionError) -> DecomposedLayer {
    try factorization.validate(for: layer)
    let base = layer
    let specs = factorization.factorShapes(of: layer).map { factor in
      factor.part.isEmpty
        ? base
        : LayerSpec(
          name: "\(base.name)[\(factor.part)]", kind: base.kind, role: base.role, shape: factor.shape,
          bias: factor.carriesBias)
    }
    switch factorization {
    case .original:
      return DecomposedLayer(
        layer: layer, factorization: factorization,
        factors: [FactorLayer(spec: layer, weight: weight, bias: bias)], relativeError: 0)
    case .svd(let r):
      let svd = try svd()
      let (a, b) = svd.factors(rank: r)
      return DecomposedLayer(
        layer: layer, factorization: factorization,
        factors: [
          FactorLayer(spec: specs[0], weight: a), FactorLayer(spec: specs[1], weight: b, bias: bias),
        ],
        relativeError: svd.reconstruction(rank: r).relativeError(to: weight))
    case .tucker2(let r1, let r2), .branched(let r1, let r2, _):
      let tucker = try tucker2()
      let n = specs[1].groups
      let core =
        n == 1 ? tucker.coreFactor(r1: r1, r2: r2) : tucker.branchedCoreFactor(r1: r1, r2: r2, branches: n)
      return DecomposedLayer(
        layer: layer, factorization: factorization,
        factors: [
          FactorLayer(spec: specs[0], weight: tucker.firstFactor(r1: r1)),
          FactorLayer(spec: specs[1], weight: core),
          FactorLayer(spec: specs[2], weight: tucker.lastFactor(r2: r2), bias: bias),
        ],
        relativeError: tucker.reconstruction(r1: r1, r2: r2, branches: n).relativeError(to: weight))
    }
  }
}
