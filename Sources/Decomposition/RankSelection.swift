import Foundation
import Networks

/// Ranks that divide a layer's parameter count by a compression ratio α (docs/methods.md "Numerics").
///
/// * SVD (1×1, linear): r = ⌊Cin·Cout / (α·(Cin + Cout))⌋.
/// * Tucker-2 (paper equation 7): β = max(0.8·Cout/Cin, 1); r1 = ⌊positive root of
///   β·k²·r² + (Cin + β·Cout)·r − Cin·Cout·k²/α = 0⌋; r2 = ⌊β·r1⌋.
/// Ranks are clamped to at least 1 and at most the full rank.
package enum RankSelection {
  /// The largest compression ratio accepted: beyond it every rank is 1.
  package static let maximumRatio = 1000.0

  /// Whether α is a usable compression ratio: finite, greater than 1 and at most `maximumRatio`.
  package static func isValidRatio(_ alpha: Double) -> Bool { alpha > 1 && alpha <= maximumRatio }

  /// The SVD rank for a Cin×Cout matrix at compression α.
  package static func svdRank(inChannels: Int, outChannels: Int, ratio alpha: Double)
    throws(DecompositionError) -> Int
  {
    guard isValidRatio(alpha) else { throw .badCompressionRatio(alpha) }
    let r = Int(
      (Double(inChannels * outChannels) / (alpha * Double(inChannels + outChannels))).rounded(.down))
    return min(max(r, 1), min(inChannels, outChannels))
  }

  /// β of paper equation 7.
  package static func beta(inChannels: Int, outChannels: Int) -> Double {
    max(0.8 * Double(outChannels) / Double(inChannels), 1)
  }

  /// r2 = ⌊β·r1⌋ clamped to the full Cout-mode rank, the Tucker-2 partner of a swept r1 (kernel k × `kernelWidth`,
  /// square when nil).
  package static func tucker2PartnerRank(
    r1: Int, inChannels: Int, outChannels: Int, kernel: Int, kernelWidth: Int? = nil
  ) -> Int {
    let b = beta(inChannels: inChannels, outChannels: outChannels)
    let full2 = min(outChannels, kernel * (kernelWidth ?? kernel) * inChannels)
    // A tiny epsilon keeps exact products (β·r1 integral) from flooring one below.
    return min(max(Int((b * Double(r1) + 1e-9).rounded(.down)), 1), full2)
  }

  /// Tucker-2 ranks (r1, r2) for a k×k (k × `kernelWidth`) Cin→Cout convolution at compression α.
  package static func tucker2Ranks(
    inChannels c: Int, outChannels s: Int, kernel k: Int, kernelWidth: Int? = nil, ratio alpha: Double
  ) throws(DecompositionError) -> (r1: Int, r2: Int) {
    guard isValidRatio(alpha) else { throw .badCompressionRatio(alpha) }
    let b = beta(inChannels: c, outChannels: s)
    let area = k * (kernelWidth ?? k)
    let k2 = Double(area)
    let qa = b * k2
    let qb = Double(c) + b * Double(s)
    let qc = -Double(c * s) * k2 / alpha
    let root = (-qb + (qb * qb - 4 * qa * qc).squareRoot()) / (2 * qa)
    let full1 = min(c, area * s)
    let r1 = min(max(Int(root.rounded(.down)), 1), full1)
    return (
      r1, tucker2PartnerRank(r1: r1, inChannels: c, outChannels: s, kernel: k, kernelWidth: kernelWidth)
    )
  }

  /// The vanilla-LRD factorization of `layer` at α: SVD for 1×1/linear, Tucker-2 for k×k.
  package static func factorization(for layer: LayerSpec, ratio alpha: Double) throws(DecompositionError)
    -> Factorization
  {
    if layer.shape.hasOneByOneKernel {
      return .svd(
        rank: try svdRank(inChannels: layer.inChannels, outChannels: layer.outChannels, ratio: alpha))
    }
    let (r1, r2) = try tucker2Ranks(
      inChannels: layer.inChannels, outChannels: layer.outChannels, kernel: layer.kernel,
      kernelWidth: layer.shape.kernelWidth, ratio: alpha)
    return .tucker2(r1: r1, r2: r2)
  }

  /// The factorization at swept rank `r` (r for SVD; r1 = r, r2 = ⌊β·r⌋ for Tucker-2).
  package static func factorization(for layer: LayerSpec, sweptRank r: Int) -> Factorization {
    if layer.shape.hasOneByOneKernel { return .svd(rank: r) }
    return .tucker2(
      r1: r,
      r2: tucker2PartnerRank(
        r1: r, inChannels: layer.inChannels, outChannels: layer.outChannels, kernel: layer.kernel,
        kernelWidth: layer.shape.kernelWidth))
  }

  /// The largest valid swept rank for `layer` (full rank of the swept mode).
  package static func fullRank(of layer: LayerSpec) -> Int {
    if layer.shape.hasOneByOneKernel { return min(layer.inChannels, layer.outChannels) }
    return min(layer.inChannels, layer.shape.kernelArea * layer.outChannels)
  }
}
