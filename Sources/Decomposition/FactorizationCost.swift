import Networks

/// Parameters and multiply-adds of a layer under a factorization (per image, bias included).
public struct FactorizationCost: Hashable, Codable, Sendable {
  public var parameters: Int
  public var macsPerImage: Int
  /// Number of layers the factorization runs (1 original, 2 SVD, 3 Tucker-2 / branched).
  public var layerCount: Int

  public var flopsPerImage: Int { 2 * macsPerImage }

  /// The cost of computing `layer` as `factorization` (validated separately).
  public init(_ layer: LayerSpec, _ factorization: Factorization) {
    let (cin, cout, k) = (layer.inChannels, layer.outChannels, layer.kernel)
    let inPixels = layer.inputHeight * layer.inputWidth
    let outPixels = layer.outputHeight * layer.outputWidth
    let bias = layer.bias ? cout : 0
    switch factorization {
    case .original:
      parameters = layer.parameterCount
      macsPerImage = layer.macsPerImage
      layerCount = 1
    case .svd(let r):
      parameters = cin * r + r * cout + bias
      macsPerImage = outPixels * (cin * r + r * cout)
      layerCount = 2
    case .tucker2(let r1, let r2):
      parameters = cin * r1 + k * k * r1 * r2 + r2 * cout + bias
      macsPerImage = inPixels * cin * r1 + outPixels * (k * k * r1 * r2 + r2 * cout)
      layerCount = 3
    case .branched(let r1, let r2, let n):
      parameters = cin * r1 + k * k * r1 * r2 / n + r2 * cout + bias
      macsPerImage = inPixels * cin * r1 + outPixels * (k * k * r1 * r2 / n + r2 * cout)
      layerCount = 3
    }
  }
}
