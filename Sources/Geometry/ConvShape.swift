/// One 2-D convolution (or linear layer) applied to a single image: channels, kernel, stride, padding, groups
/// and input extent.
///
/// The one place output sizes, weight counts and multiply-adds are computed; catalog layers, decomposition
/// factors and kernels all derive theirs from it.
///
/// Output extent: ⌊(input + 2·padding − kernel) / stride⌋ + 1 per axis. A linear layer is the 1×1
/// convolution on a 1×1 input. Weights are HWIO, `[kh, kw, Cin/groups, Cout]`; kernels are square (kh = kw = k)
/// unless `kernelWidth` says otherwise (an imported 1×7, for example).
package struct ConvShape: Hashable, Codable, Sendable, CustomStringConvertible {
  /// Input channels (all groups).
  package var inChannels: Int
  /// Output channels (all groups).
  package var outChannels: Int
  /// Kernel height kh (the kernel is kh × `kernelWidth`; square unless that differs).
  package var kernel: Int
  /// Kernel width kw.
  package var kernelWidth: Int
  /// Stride in pixels, both directions.
  package var stride: Int
  /// Zero padding on each side.
  package var padding: Int
  /// Channel groups (1: dense; N: N independent convolutions of Cin/N → Cout/N).
  package var groups: Int
  /// Input extent in pixels.
  package var inputHeight: Int
  /// Input width in pixels.
  package var inputWidth: Int

  /// A shape; defaults give a 1×1, stride-1, unpadded, dense convolution; `kernelWidth` nil: square.
  package init(
    inChannels: Int, outChannels: Int, kernel: Int = 1, kernelWidth: Int? = nil, stride: Int = 1,
    padding: Int = 0,
    groups: Int = 1, inputHeight: Int, inputWidth: Int
  ) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernel = kernel
    self.kernelWidth = kernelWidth ?? kernel
    self.stride = stride
    self.padding = padding
    self.groups = groups
    self.inputHeight = inputHeight
    self.inputWidth = inputWidth
  }

  /// A linear layer `inFeatures → outFeatures` (a 1×1 convolution on a 1×1 input).
  package static func linear(inFeatures: Int, outFeatures: Int) -> ConvShape {
    ConvShape(inChannels: inFeatures, outChannels: outFeatures, inputHeight: 1, inputWidth: 1)
  }

  /// ⌊(input + 2·padding − kernel) / stride⌋ + 1: the output extent of a convolution or pooling window.
  package static func outputExtent(input: Int, kernel: Int, stride: Int, padding: Int) -> Int {
    (input + 2 * padding - kernel) / stride + 1
  }

  /// Output extent in pixels.
  package var outputHeight: Int {
    Self.outputExtent(input: inputHeight, kernel: kernel, stride: stride, padding: padding)
  }
  /// Output width in pixels.
  package var outputWidth: Int {
    Self.outputExtent(input: inputWidth, kernel: kernelWidth, stride: stride, padding: padding)
  }

  /// Whether the kernel is k×k.
  package var isSquare: Bool { kernel == kernelWidth }

  /// Input channels per group.
  package var groupInChannels: Int { inChannels / groups }
  /// Output channels per group.
  package var groupOutChannels: Int { outChannels / groups }

  /// Kernel taps kh·kw.
  package var kernelArea: Int { kernel * kernelWidth }

  /// Weights (no bias): kh·kw·Cin/groups·Cout.
  package var weightCount: Int { kernelArea * groupInChannels * outChannels }

  /// Multiply-adds for one image: outH·outW·kh·kw·Cin/groups·Cout.
  package var macsPerImage: Int { outputHeight * outputWidth * weightCount }

  /// HWIO weight shape `[kh, kw, Cin/groups, Cout]`.
  package var weightShape: [Int] { [kernel, kernelWidth, groupInChannels, outChannels] }

  /// A 1×1 kernel (any stride or padding): decomposed with SVD rather than Tucker-2.
  package var hasOneByOneKernel: Bool { kernelArea == 1 }

  /// 1×1, stride 1, no padding: the NHWC input itself is the GEMM operand (no im2col copy).
  package var readsInputAsGEMMOperand: Bool { kernelArea == 1 && stride == 1 && padding == 0 }

  /// Checks that every extent is positive, groups divide both channel counts and the output is not
  /// empty; the error names the problem.
  package func validate() throws(GeometryError) {
    let positive = [inputHeight, inputWidth, inChannels, outChannels, kernel, kernelWidth, stride, groups]
    guard positive.allSatisfy({ $0 > 0 }), padding >= 0 else {
      throw .invalid("all extents must be positive and padding ≥ 0: \(self)")
    }
    guard inChannels % groups == 0, outChannels % groups == 0 else {
      throw .invalid(
        "groups = \(groups) must divide inChannels = \(inChannels) and outChannels = \(outChannels)")
    }
    guard outputHeight > 0, outputWidth > 0 else {
      throw .invalid("kernel \(kernel)×\(kernelWidth) larger than the padded input: \(self)")
    }
  }

  /// The shape over a batch of `batch` images.
  package func batched(_ batch: Int) -> ConvGeometry { ConvGeometry(batch: batch, shape: self) }

  /// "512→512 3×3 s1 p1 @ 7×7" (" g4" after the padding when grouped).
  package var description: String {
    "\(inChannels)→\(outChannels) \(kernel)×\(kernelWidth) s\(stride) p\(padding)"
      + (groups == 1 ? "" : " g\(groups)") + " @ \(inputHeight)×\(inputWidth)"
  }
}

extension ConvShape {
  enum CodingKeys: String, CodingKey {
    case inChannels, outChannels, kernel, kernelWidth, stride, padding, groups, inputHeight, inputWidth
  }

  /// Reads a shape; one written before non-square kernels (no `kernelWidth`) is square.
  package init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      inChannels: try c.decode(Int.self, forKey: .inChannels),
      outChannels: try c.decode(Int.self, forKey: .outChannels),
      kernel: try c.decode(Int.self, forKey: .kernel),
      kernelWidth: try c.decodeIfPresent(Int.self, forKey: .kernelWidth),
      stride: try c.decode(Int.self, forKey: .stride),
      padding: try c.decode(Int.self, forKey: .padding), groups: try c.decode(Int.self, forKey: .groups),
      inputHeight: try c.decode(Int.self, forKey: .inputHeight),
      inputWidth: try c.decode(Int.self, forKey: .inputWidth))
  }

  /// Writes a shape; a square kernel's width is left out, so square shapes (every catalog layer) read and hash as
  /// they always have.
  package func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(inChannels, forKey: .inChannels)
    try c.encode(outChannels, forKey: .outChannels)
    try c.encode(kernel, forKey: .kernel)
    if !isSquare { try c.encode(kernelWidth, forKey: .kernelWidth) }
    try c.encode(stride, forKey: .stride)
    try c.encode(padding, forKey: .padding)
    try c.encode(groups, forKey: .groups)
    try c.encode(inputHeight, forKey: .inputHeight)
    try c.encode(inputWidth, forKey: .inputWidth)
  }
}
