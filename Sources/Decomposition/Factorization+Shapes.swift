import Geometry
import Networks

/// One layer a factorization runs: its part name (`u`, `v`, `u_in`, `core`, `core/N`, `u_out`; empty
/// for the original layer), its shape, and whether it carries the original layer's bias.
package struct FactorShape: Hashable, Sendable {
  /// The factor's part name: `u`, `v`, `u_in`, `core`, `core/N`, `u_out`, or empty for the original layer.
  package var part: String
  /// The factor's convolution shape.
  package var shape: ConvShape
  /// True for the one factor that adds the original layer's bias.
  package var carriesBias: Bool
}

extension Factorization {
  /// The layers this factorization of `layer` runs, in execution order (docs/methods.md "Numerics").
  ///
  /// The layers:
  ///
  /// * `svd(r)`: 1×1 Cin→r with the layer's stride at the input resolution, then 1×1 r→Cout at the
  ///   output resolution (with the bias);
  /// * `tucker2(r1, r2)` / `branched(r1, r2, N)`: 1×1 Cin→r1 at the input resolution, the k×k core
  ///   r1→r2 with the layer's stride and padding (N groups when branched), 1×1 r2→Cout at the output
  ///   resolution (with the bias).
  ///
  /// The single source of factor geometry: decompositions build their factor layers from it and
  /// `FactorizationCost` sums its parameters and multiply-adds.
  package func factorShapes(of layer: LayerSpec) -> [FactorShape] {
    let (cin, cout) = (layer.inChannels, layer.outChannels)
    let (inH, inW, outH, outW) = (layer.inputHeight, layer.inputWidth, layer.outputHeight, layer.outputWidth)
    func pointwise(
      _ part: String, _ from: Int, _ to: Int, stride: Int = 1, atOutput: Bool, bias: Bool = false
    )
      -> FactorShape
    {
      FactorShape(
        part: part,
        shape: ConvShape(
          inChannels: from, outChannels: to, stride: stride, inputHeight: atOutput ? outH : inH,
          inputWidth: atOutput ? outW : inW),
        carriesBias: bias)
    }
    switch self {
    case .original:
      return [FactorShape(part: "", shape: layer.shape, carriesBias: layer.bias)]
    case .svd(let r):
      return [
        pointwise("u", cin, r, stride: layer.stride, atOutput: false),
        pointwise("v", r, cout, atOutput: true, bias: layer.bias),
      ]
    case .tucker2(let r1, let r2), .branched(let r1, let r2, _):
      var groups = 1
      if case .branched(_, _, let n) = self { groups = n }
      let core = ConvShape(
        inChannels: r1, outChannels: r2, kernel: layer.kernel, kernelWidth: layer.shape.kernelWidth,
        stride: layer.stride, padding: layer.padding, groups: groups, inputHeight: inH, inputWidth: inW)
      return [
        pointwise("u_in", cin, r1, atOutput: false),
        FactorShape(part: groups == 1 ? "core" : "core/\(groups)", shape: core, carriesBias: false),
        pointwise("u_out", r2, cout, atOutput: true, bias: layer.bias),
      ]
    }
  }
}
