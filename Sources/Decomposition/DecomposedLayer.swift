import Networks
import Tensors

/// One layer of a decomposed layer: its shape (as a `LayerSpec` named `<layer>[<part>]`) and weights.
public struct FactorLayer {
  public var spec: LayerSpec
  /// HWIO weight `[k, k, Cin/groups, Cout]`.
  public var weight: Tensor
  public var bias: Tensor?

  public init(spec: LayerSpec, weight: Tensor, bias: Tensor? = nil) {
    self.spec = spec
    self.weight = weight
    self.bias = bias
  }
}

/// A layer computed as a factorization: the factor layers in execution order and how far their
/// product is from the original weights.
public struct DecomposedLayer {
  public var layer: LayerSpec
  public var factorization: Factorization
  public var factors: [FactorLayer]
  /// ‖W − W'‖_F / ‖W‖_F of the reconstructed weight (0 for `original`).
  public var relativeError: Double
  public var cost: FactorizationCost { FactorizationCost(layer, factorization) }
}

/// Decomposes one layer's weights for any number of factorizations, computing the SVD or HOSVD once.
///
/// Not thread-safe; one per layer and sweep.
public final class LayerDecomposer {
  public let layer: LayerSpec
  /// The original HWIO weight `[k, k, Cin/groups, Cout]`.
  public let weight: Tensor
  public let bias: Tensor?
  private var svdCache: SVDDecomposition?
  private var tuckerCache: Tucker2Decomposition?

  /// A decomposer for `layer` with the given original weights (and bias for linear layers).
  public init(layer: LayerSpec, weight: Tensor, bias: Tensor? = nil) throws(DecompositionError) {
    let expected = [layer.kernel, layer.kernel, layer.inChannels / layer.groups, layer.outChannels]
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
  public convenience init(layer: LayerSpec, seed: UInt64) throws(DecompositionError) {
    var rng = SplitMix64(seed: seed)
    let shape = [layer.kernel, layer.kernel, layer.inChannels / layer.groups, layer.outChannels]
    let fanIn = Float(layer.kernel * layer.kernel * layer.inChannels / layer.groups)
    try self.init(
      layer: layer, weight: Tensor(normal: shape, standardDeviation: (2 / fanIn).squareRoot(), using: &rng))
  }

  /// The SVD of the weight (computed on first use).
  public func svd() throws(DecompositionError) -> SVDDecomposition {
    if let svdCache { return svdCache }
    let result = try SVDDecomposition(weight: weight)
    svdCache = result
    return result
  }

  /// The HOSVD of the weight (computed on first use).
  public func tucker2() throws(DecompositionError) -> Tucker2Decomposition {
    if let tuckerCache { return tuckerCache }
    let result = try Tucker2Decomposition(weight: weight)
    tuckerCache = result
    return result
  }

  /// The factor layers of `factorization`, validated against the layer.
  public func decompose(_ factorization: Factorization) throws(DecompositionError) -> DecomposedLayer {
    try factorization.validate(for: layer)
    let base = layer
    func part(
      _ suffix: String, cin: Int, cout: Int, k: Int = 1, stride: Int = 1, padding: Int = 0,
      groups: Int = 1, bias: Bool = false, atOutput: Bool
    ) -> LayerSpec {
      LayerSpec(
        name: "\(base.name)[\(suffix)]", kind: base.kind, role: base.role, inChannels: cin, outChannels: cout,
        kernel: k, stride: stride, padding: padding, groups: groups, bias: bias,
        inputHeight: atOutput ? base.outputHeight : base.inputHeight,
        inputWidth: atOutput ? base.outputWidth : base.inputWidth)
    }
    switch factorization {
    case .original:
      return DecomposedLayer(
        layer: layer, factorization: factorization,
        factors: [FactorLayer(spec: layer, weight: weight, bias: bias)], relativeError: 0)
    case .svd(let r):
      let svd = try svd()
      let (a, b) = svd.factors(rank: r)
      let first = part("u", cin: layer.inChannels, cout: r, stride: layer.stride, atOutput: false)
      let second = part("v", cin: r, cout: layer.outChannels, bias: layer.bias, atOutput: true)
      return DecomposedLayer(
        layer: layer, factorization: factorization,
        factors: [FactorLayer(spec: first, weight: a), FactorLayer(spec: second, weight: b, bias: bias)],
        relativeError: svd.reconstruction(rank: r).relativeError(to: weight))
    case .tucker2(let r1, let r2), .branched(let r1, let r2, _):
      let tucker = try tucker2()
      var n = 1
      if case .branched(_, _, let branches) = factorization { n = branches }
      let core =
        n == 1 ? tucker.coreFactor(r1: r1, r2: r2) : tucker.branchedCoreFactor(r1: r1, r2: r2, branches: n)
      let specs = [
        part("u_in", cin: layer.inChannels, cout: r1, atOutput: false),
        part(
          n == 1 ? "core" : "core/\(n)", cin: r1, cout: r2, k: layer.kernel, stride: layer.stride,
          padding: layer.padding, groups: n, atOutput: false),
        part("u_out", cin: r2, cout: layer.outChannels, bias: layer.bias, atOutput: true),
      ]
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
