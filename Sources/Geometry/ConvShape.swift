/// One 2-D convolution (or linear layer) applied to a single image: channels, kernel, stride, padding, groups
/// and input extent.
///
/// The one place output sizes, weight counts and multiply-adds are computed; catalog layers, decomposition
/// factors and kernels all derive theirs from it.
///
/// Output extent: ⌊(input + 2·padding − kernel) / stride⌋ + 1. A linear layer is the 1×1
/// convolution on a 1×1 input. Weights are HWIO, `[k, k, Cin/groups, Cout]`.
package struct ConvShape: Hashable, Codable, Sendable, CustomStringConvertible {
  /// Input channels (all groups).
  package var inChannels: Int
  /// Output channels (all groups).
  package var outChannels: Int
  /// Square kernel extent k (k×k).
  package var kernel: Int
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

  /// A shape; defaults give a 1×1, stride-1, unpadded, dense convolution.
  package init(
    inChannels: Int, outChannels: Int, kernel: Int = 1, stride: Int = 1, padding: Int = 0, groups: Int = 1,
    inputHeight: Int, inputWidth: Int
  ) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernel = kernel
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
    Self.outputExtent(input: inputWidth, kernel: kernel, stride: stride, padding: padding)
  }

  /// Input channels per group.
  package var groupInChannels: Int { inChannels / groups }
  /// Output channels per group.
  package var groupOutChannels: Int { outChannels / groups }

  /// Weights (no bias): k²·Cin/groups·Cout.
  package var weightCount: Int { kernel * kernel * groupInChannels * outChannels }

  /// Multiply-adds for one image: outH·outW·k²·Cin/groups·Cout.
  package var macsPerImage: Int { outputHeight * outputWidth * weightCount }

  /// HWIO weight shape `[k, k, Cin/groups, Cout]`.
  package var weightShape: [Int] { [kernel, kernel, groupInChannels, outChannels] }

  /// A 1×1 kernel (any stride or padding): decomposed with SVD rather than Tucker-2.
  package var hasOneByOneKernel: Bool { kernel == 1 }

  /// 1×1, stride 1, no padding: the NHWC input itself is the GEMM operand (no im2col copy).
  package var readsInputAsGEMMOperand: Bool { kernel == 1 && stride == 1 && padding == 0 }

  /// Checks that every extent is positive, groups divide both channel counts and the output is not
  /// empty; the error names the problem.
  package func validate() throws(GeometryError) {
    let positive = [inputHeight, inputWidth, inChannels, outChannels, kernel, stride, groups]
    guard positive.allSatisfy({ $0 > 0 }), padding >= 0 else {
      throw .invalid("all extents must be positive and padding ≥ 0: \(self)")
    }
    guard inChannels % groups == 0, outChannels % groups == 0 else {
      throw .invalid(
        "groups = \(groups) must divide inChannels = \(inChannels) and outChannels = \(outChannels)")
    }
    guard outputHeight > 0, outputWidth > 0 else {
      throw .invalid("kernel \(kernel) larger than the padded input: \(self)")
    }
  }

  /// The shape over a batch of `batch` images.
  package func batched(_ batch: Int) -> ConvGeometry { ConvGeometry(batch: batch, shape: self) }

  /// "512→512 3×3 s1 p1 @ 7×7" (" g4" after the padding when grouped).
  package var description: String {
    "\(inChannels)→\(outChannels) \(kernel)×\(kernel) s\(stride) p\(padding)"
      + (groups == 1 ? "" : " g\(groups)") + " @ \(inputHeight)×\(inputWidth)"
  }
}
