/// Fully connected layers are 1×1 convolutions on a 1×1 "image": `[batch, 1, 1, in]` → `[batch, 1, 1, out]`.
///
/// Weights `[1, 1, in, out]` (an in×out matrix), optional bias `[out]`. One GEMM `batch × out × in`.
extension ConvGeometry {
  /// The geometry of a linear layer with `inFeatures` → `outFeatures` over `batch` rows.
  public static func linear(batch: Int, inFeatures: Int, outFeatures: Int) -> ConvGeometry {
    ConvGeometry(batch: batch, height: 1, width: 1, inChannels: inFeatures, outChannels: outFeatures)
  }

  /// Whether this is a linear layer (1×1 kernel on a 1×1 input).
  public var isLinear: Bool { height == 1 && width == 1 && kernel == 1 && stride == 1 && padding == 0 }
}
