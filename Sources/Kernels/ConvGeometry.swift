/// The shape of one 2-D convolution over an NHWC batch: everything a kernel needs to size its
/// buffers and GEMMs.
///
/// Output extent: `outHeight = (height + 2·padding − kernel) / stride + 1` (floor), likewise width.
/// A linear layer is the 1×1 convolution with `height == width == 1`.
public struct ConvGeometry: Hashable, Codable, Sendable, CustomStringConvertible {
  public var batch: Int
  public var height: Int
  public var width: Int
  public var inChannels: Int
  public var outChannels: Int
  public var kernel: Int
  public var stride: Int
  public var padding: Int
  public var groups: Int

  public init(
    batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
    kernel: Int = 1, stride: Int = 1, padding: Int = 0, groups: Int = 1
  ) {
    self.batch = batch
    self.height = height
    self.width = width
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.groups = groups
  }

  /// Checks that every extent is positive, groups divide both channel counts and the output is
  /// non-empty; returns a message naming the problem otherwise.
  public func validate() throws(KernelError) {
    let positive = [batch, height, width, inChannels, outChannels, kernel, stride, groups]
    guard positive.allSatisfy({ $0 > 0 }), padding >= 0 else {
      throw KernelError.invalidGeometry("all extents must be positive and padding ≥ 0: \(self)")
    }
    guard inChannels % groups == 0, outChannels % groups == 0 else {
      throw KernelError.invalidGeometry(
        "groups = \(groups) must divide inChannels = \(inChannels) and outChannels = \(outChannels)")
    }
    guard outHeight > 0, outWidth > 0 else {
      throw KernelError.invalidGeometry("kernel \(kernel) larger than padded input: \(self)")
    }
  }

  public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
  public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }

  /// Input channels per group.
  public var groupInChannels: Int { inChannels / groups }
  /// Output channels per group.
  public var groupOutChannels: Int { outChannels / groups }

  /// GEMM rows: one per output pixel, `batch · outHeight · outWidth`.
  public var gemmM: Int { batch * outHeight * outWidth }
  /// GEMM columns per group: `outChannels / groups`.
  public var gemmN: Int { groupOutChannels }
  /// GEMM depth per group: `kernel² · inChannels / groups`.
  public var gemmK: Int { kernel * kernel * groupInChannels }

  /// True when the input itself is the GEMM operand (1×1, stride 1, no padding): no im2col copy.
  public var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

  /// Multiply-adds of one forward pass: `M · N · K · groups`.
  public var macs: Int { gemmM * gemmN * gemmK * groups }
  /// Floating-point operations of one forward pass (2 per multiply-add).
  public var flops: Int { 2 * macs }
  /// Weight parameters (no bias): `k² · Cin/groups · Cout`.
  public var parameterCount: Int { kernel * kernel * groupInChannels * outChannels }

  public var inputShape: [Int] { [batch, height, width, inChannels] }
  public var outputShape: [Int] { [batch, outHeight, outWidth, outChannels] }
  /// HWIO weight shape `[k, k, Cin/groups, Cout]`; output channel `o` belongs to group
  /// `o / (Cout/groups)` and reads input channels of that group.
  public var weightShape: [Int] { [kernel, kernel, groupInChannels, outChannels] }

  public var description: String {
    var text = "\(inChannels)→\(outChannels) \(kernel)×\(kernel)"
    if stride != 1 { text += " s\(stride)" }
    if padding != 0 { text += " p\(padding)" }
    if groups != 1 { text += " g\(groups)" }
    return text + " @ \(batch)×\(height)×\(width)"
  }
}

/// Errors raised when building or running kernels.
public enum KernelError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalidGeometry(String)
  case shapeMismatch(String)

  public var description: String {
    switch self {
    case .invalidGeometry(let message): return "invalid convolution: \(message)"
    case .shapeMismatch(let message): return "shape mismatch: \(message)"
    }
  }
}
