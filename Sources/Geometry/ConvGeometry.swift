/// A convolution over an NHWC batch: a `ConvShape` and the batch size, with the GEMM extents the
/// kernels use (im2col + GEMM: M = batch·outH·outW rows, N = Cout/groups, K = k²·Cin/groups).
package struct ConvGeometry: Hashable, Codable, Sendable, CustomStringConvertible {
  /// Images per call (the batch dimension N of NHWC tensors).
  package var batch: Int
  package var shape: ConvShape

  /// The shape over `batch` images.
  package init(batch: Int, shape: ConvShape) {
    self.batch = batch
    self.shape = shape
  }

  /// A geometry from its extents (input `height`×`width`); defaults as `ConvShape`.
  package init(
    batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
    kernel: Int = 1, kernelWidth: Int? = nil, stride: Int = 1, padding: Int = 0, groups: Int = 1
  ) {
    self.init(
      batch: batch,
      shape: ConvShape(
        inChannels: inChannels, outChannels: outChannels, kernel: kernel, kernelWidth: kernelWidth,
        stride: stride,
        padding: padding, groups: groups, inputHeight: height, inputWidth: width))
  }

  /// A linear layer `inFeatures → outFeatures` over `batch` rows.
  package static func linear(batch: Int, inFeatures: Int, outFeatures: Int) -> ConvGeometry {
    ConvGeometry(batch: batch, shape: .linear(inFeatures: inFeatures, outFeatures: outFeatures))
  }

  /// Checks the shape and a positive batch.
  package func validate() throws(GeometryError) {
    guard batch > 0 else { throw .invalid("batch must be positive: \(self)") }
    try shape.validate()
  }

  /// Input height in pixels.
  package var height: Int { shape.inputHeight }
  /// Input width in pixels.
  package var width: Int { shape.inputWidth }
  /// Input channels (all groups).
  package var inChannels: Int { shape.inChannels }
  /// Output channels (all groups).
  package var outChannels: Int { shape.outChannels }
  /// Kernel height kh.
  package var kernel: Int { shape.kernel }
  /// Kernel width kw (kh unless the kernel is not square).
  package var kernelWidth: Int { shape.kernelWidth }
  /// Stride in pixels, both directions.
  package var stride: Int { shape.stride }
  /// Zero padding on each side, in pixels.
  package var padding: Int { shape.padding }
  /// Channel groups (1: dense).
  package var groups: Int { shape.groups }
  /// Output height in pixels.
  package var outHeight: Int { shape.outputHeight }
  /// Output width in pixels.
  package var outWidth: Int { shape.outputWidth }
  /// Input channels per group.
  package var groupInChannels: Int { shape.groupInChannels }
  /// Output channels per group.
  package var groupOutChannels: Int { shape.groupOutChannels }

  /// GEMM rows: one per output pixel, `batch · outHeight · outWidth`.
  package var gemmM: Int { batch * outHeight * outWidth }
  /// GEMM columns per group: `outChannels / groups`.
  package var gemmN: Int { groupOutChannels }
  /// GEMM depth per group: `kh · kw · inChannels / groups`.
  package var gemmK: Int { shape.kernelArea * groupInChannels }

  /// See `ConvShape.readsInputAsGEMMOperand`: no im2col copy.
  package var readsInputAsGEMMOperand: Bool { shape.readsInputAsGEMMOperand }

  /// Multiply-adds of one forward pass over the batch.
  package var macs: Int { batch * shape.macsPerImage }
  /// Floating-point operations of one forward pass (2 per multiply-add).
  package var flops: Int { 2 * macs }
  /// Weight parameters (no bias).
  package var parameterCount: Int { shape.weightCount }

  /// NHWC input `[batch, height, width, Cin]`.
  package var inputShape: [Int] { [batch, height, width, inChannels] }
  /// NHWC output `[batch, outHeight, outWidth, Cout]`.
  package var outputShape: [Int] { [batch, outHeight, outWidth, outChannels] }
  /// HWIO weight shape `[k, k, Cin/groups, Cout]`; output channel `o` belongs to group
  /// `o / (Cout/groups)` and reads input channels of that group.
  package var weightShape: [Int] { shape.weightShape }

  /// "16→32 3×3 p1 @ 2×8×8" (stride, padding and groups only when not 1/0/1).
  package var description: String {
    var text = "\(inChannels)→\(outChannels) \(kernel)×\(kernel)"
    if stride != 1 { text += " s\(stride)" }
    if padding != 0 { text += " p\(padding)" }
    if groups != 1 { text += " g\(groups)" }
    return text + " @ \(batch)×\(height)×\(width)"
  }
}
