import Geometry

/// One convolution or linear layer of a catalog model, at the catalog's input resolution.
///
/// Channels, kernel, stride, padding and groups follow torchvision; `inputHeight`/`inputWidth` are
/// the activation extents this layer sees for a 224×224 image. Parameter and MAC counts are per
/// image (MACs) and exclude batch norm (see `ModelCatalog` for totals).
package struct LayerSpec: Hashable, Codable, Sendable {
  /// What the layer is, which decides how it is decomposed.
  package enum Kind: String, Codable, Sendable {
    case convolution
    case linear
  }

  /// Where the layer sits in the network.
  package enum Role: String, Codable, Sendable {
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

  /// The torchvision name, for example `layer4.2.conv2` or `fc`.
  package var name: String
  package var kind: Kind
  /// Where the layer sits in the network.
  package var role: Role
  /// Channels, kernel, stride, padding, groups and input extent (the single source of sizes and costs).
  package var shape: ConvShape
  /// Whether the layer has a bias (the classifier does; ResNet convolutions do not).
  package var bias: Bool

  /// A layer; defaults give a 1×1, stride-1, unpadded, dense convolution without bias.
  package init(
    name: String, kind: Kind, role: Role, inChannels: Int, outChannels: Int, kernel: Int = 1,
    stride: Int = 1, padding: Int = 0, groups: Int = 1, bias: Bool = false,
    inputHeight: Int, inputWidth: Int
  ) {
    self.init(
      name: name, kind: kind, role: role,
      shape: ConvShape(
        inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
        groups: groups, inputHeight: inputHeight, inputWidth: inputWidth),
      bias: bias)
  }

  /// A layer of the given shape.
  package init(name: String, kind: Kind, role: Role, shape: ConvShape, bias: Bool = false) {
    self.name = name
    self.kind = kind
    self.role = role
    self.shape = shape
    self.bias = bias
  }

  /// Input channels (all groups).
  package var inChannels: Int { shape.inChannels }
  /// Output channels (all groups).
  package var outChannels: Int { shape.outChannels }
  /// Square kernel extent k.
  package var kernel: Int { shape.kernel }
  /// Stride in pixels.
  package var stride: Int { shape.stride }
  /// Zero padding on each side, in pixels.
  package var padding: Int { shape.padding }
  /// Channel groups (1: dense).
  package var groups: Int { shape.groups }
  /// Input height in pixels at the catalog's image size.
  package var inputHeight: Int { shape.inputHeight }
  /// Input width in pixels at the catalog's image size.
  package var inputWidth: Int { shape.inputWidth }
  /// Output height in pixels.
  package var outputHeight: Int { shape.outputHeight }
  /// Output width in pixels.
  package var outputWidth: Int { shape.outputWidth }

  /// Weights plus bias when present.
  package var parameterCount: Int { shape.weightCount + (bias ? outChannels : 0) }

  /// Multiply-adds for one image.
  package var macsPerImage: Int { shape.macsPerImage }

  /// FLOPs for one image (2 per multiply-add).
  package var flopsPerImage: Int { 2 * macsPerImage }

  /// Whether the layer counts toward the paper's "layers" (main path: not a downsample shortcut).
  package var isMainPath: Bool { role != .downsample }

  /// The kernel geometry of this layer for a batch of `batch` images.
  package func geometry(batch: Int) -> ConvGeometry { shape.batched(batch) }

  /// A short shape description, for example "512→512 3×3 s1 p1 @ 7×7".
  package var shapeDescription: String { shape.description }

  /// Layers with the same shape key time identically (same kernels, same sizes); `name` differs.
  package var shapeKey: String {
    "\(kind.rawValue):\(inChannels)x\(outChannels)k\(kernel)"
      + (shape.isSquare ? "" : "x\(shape.kernelWidth)")
      + "s\(stride)p\(padding)g\(groups)"
      + "@\(inputHeight)x\(inputWidth)"
  }

  enum CodingKeys: String, CodingKey {
    case name, kind, role, inChannels, outChannels, kernel, kernelWidth, stride, padding, groups, bias,
      inputHeight,
      inputWidth
  }

  /// Flat JSON (the shape's fields next to the name), as `lrd-bench layers --format json` prints it.
  package init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      name: try c.decode(String.self, forKey: .name), kind: try c.decode(Kind.self, forKey: .kind),
      role: try c.decode(Role.self, forKey: .role), inChannels: try c.decode(Int.self, forKey: .inChannels),
      outChannels: try c.decode(Int.self, forKey: .outChannels),
      kernel: try c.decode(Int.self, forKey: .kernel),
      stride: try c.decode(Int.self, forKey: .stride), padding: try c.decode(Int.self, forKey: .padding),
      groups: try c.decode(Int.self, forKey: .groups), bias: try c.decode(Bool.self, forKey: .bias),
      inputHeight: try c.decode(Int.self, forKey: .inputHeight),
      inputWidth: try c.decode(Int.self, forKey: .inputWidth))
    shape.kernelWidth = try c.decodeIfPresent(Int.self, forKey: .kernelWidth) ?? shape.kernel
  }

  /// Encodes the flat form that `init(from:)` reads (name, kind, role and the shape's fields).
  package func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(kind, forKey: .kind)
    try c.encode(role, forKey: .role)
    try c.encode(inChannels, forKey: .inChannels)
    try c.encode(outChannels, forKey: .outChannels)
    try c.encode(kernel, forKey: .kernel)
    // A square kernel's width is left out: catalog layers encode (and hash) as they always have.
    if !shape.isSquare { try c.encode(shape.kernelWidth, forKey: .kernelWidth) }
    try c.encode(stride, forKey: .stride)
    try c.encode(padding, forKey: .padding)
    try c.encode(groups, forKey: .groups)
    try c.encode(bias, forKey: .bias)
    try c.encode(inputHeight, forKey: .inputHeight)
    try c.encode(inputWidth, forKey: .inputWidth)
  }
}
