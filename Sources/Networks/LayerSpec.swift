import Kernels

/// One convolution or linear layer of a catalog model, at the catalog's input resolution.
///
/// Channels, kernel, stride, padding and groups follow torchvision; `inputHeight`/`inputWidth` are
/// the activation extents this layer sees for a 224×224 image. Parameter and MAC counts are per
/// image (MACs) and exclude batch norm (see `ModelCatalog` for totals).
public struct LayerSpec: Hashable, Codable, Sendable {
  /// What the layer is, which decides how it is decomposed.
  public enum Kind: String, Codable, Sendable {
    case convolution
    case linear
  }

  /// Where the layer sits in the network.
  public enum Role: String, Codable, Sendable {
    /// The 7×7 stem convolution `conv1`.
    case stem
    /// `layerX.Y.conv1` (1×1 reduce).
    case reduce
    /// `layerX.Y.conv2` (3×3).
    case spatial
    /// `layerX.Y.conv3` (1×1 expand).
    case expand
    /// `layerX.0.downsample.0` (1×1 projection shortcut).
    case downsample
    /// The classifier `fc`.
    case classifier
  }

  public var name: String
  public var kind: Kind
  public var role: Role
  public var inChannels: Int
  public var outChannels: Int
  public var kernel: Int
  public var stride: Int
  public var padding: Int
  public var groups: Int
  public var bias: Bool
  public var inputHeight: Int
  public var inputWidth: Int

  public init(
    name: String, kind: Kind, role: Role, inChannels: Int, outChannels: Int, kernel: Int = 1,
    stride: Int = 1, padding: Int = 0, groups: Int = 1, bias: Bool = false,
    inputHeight: Int, inputWidth: Int
  ) {
    self.name = name
    self.kind = kind
    self.role = role
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.groups = groups
    self.bias = bias
    self.inputHeight = inputHeight
    self.inputWidth = inputWidth
  }

  public var outputHeight: Int { (inputHeight + 2 * padding - kernel) / stride + 1 }
  public var outputWidth: Int { (inputWidth + 2 * padding - kernel) / stride + 1 }

  /// Weights (plus bias when present).
  public var parameterCount: Int {
    kernel * kernel * (inChannels / groups) * outChannels + (bias ? outChannels : 0)
  }

  /// Multiply-adds for one image.
  public var macsPerImage: Int {
    outputHeight * outputWidth * kernel * kernel * (inChannels / groups) * outChannels
  }

  /// FLOPs for one image (2 per multiply-add).
  public var flopsPerImage: Int { 2 * macsPerImage }

  /// Whether the layer counts toward the paper's "layers" (main path: not a downsample shortcut).
  public var isMainPath: Bool { role != .downsample }

  /// True for 1×1 convolutions and linear layers, which are decomposed with SVD; k×k convolutions
  /// use Tucker-2.
  public var isPointwise: Bool { kernel == 1 }

  /// The kernel geometry of this layer for a batch of `batch` images.
  public func geometry(batch: Int) -> ConvGeometry {
    if kind == .linear {
      return .linear(batch: batch, inFeatures: inChannels, outFeatures: outChannels)
    }
    return ConvGeometry(
      batch: batch, height: inputHeight, width: inputWidth, inChannels: inChannels,
      outChannels: outChannels, kernel: kernel, stride: stride, padding: padding, groups: groups)
  }

  /// A short shape description, e.g. "512→512 3×3 s1 p1 @ 7×7".
  public var shapeDescription: String {
    "\(inChannels)→\(outChannels) \(kernel)×\(kernel) s\(stride) p\(padding)"
      + (groups == 1 ? "" : " g\(groups)") + " @ \(inputHeight)×\(inputWidth)"
  }

  /// Layers with the same shape key time identically (same kernels, same sizes); `name` differs.
  public var shapeKey: String {
    "\(kind.rawValue):\(inChannels)x\(outChannels)k\(kernel)s\(stride)p\(padding)g\(groups)"
      + "@\(inputHeight)x\(inputWidth)"
  }
}
