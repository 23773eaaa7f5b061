import Geometry

/// The ResNet variants in the catalog (torchvision v1.5: stride 2 on the 3×3 `conv2`).
package enum ResNetModel: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
  case resnet50
  case resnet101
  case resnet152

  /// Bottleneck blocks per stage (layer1 … layer4).
  package var blocks: [Int] {
    switch self {
    case .resnet50: return [3, 4, 6, 3]
    case .resnet101: return [3, 4, 23, 3]
    case .resnet152: return [3, 8, 36, 3]
    }
  }

  /// The paper's display name, for example "ResNet-50".
  package var displayName: String {
    switch self {
    case .resnet50: return "ResNet-50"
    case .resnet101: return "ResNet-101"
    case .resnet152: return "ResNet-152"
    }
  }

  /// The model's name as the CLI spells it (`resnet50`).
  package var description: String { rawValue }

  /// Parses "resnet50", "ResNet-50", "r50", "50" (case-insensitive).
  package init?(parsing text: String) {
    let key = String(text.lowercased().filter { $0 != "-" && $0 != "_" })
    for model in Self.allCases {
      let digits = String(model.rawValue.dropFirst("resnet".count))
      if key == model.rawValue || key == digits || key == "r" + digits {
        self = model
        return
      }
    }
    return nil
  }
}

/// A batch-norm layer of the catalog: `channels` γ and `channels` β parameters.
package struct BatchNormSpec: Hashable, Codable, Sendable {
  /// The torchvision name, for example `layer1.0.bn2`.
  package var name: String
  /// Channels normalised (one γ, β, running mean and variance each).
  package var channels: Int

  /// A batch norm over `channels` channels.
  package init(name: String, channels: Int) {
    self.name = name
    self.channels = channels
  }

  /// Trainable parameters: γ and β per channel (running statistics are buffers, not counted).
  package var parameterCount: Int { 2 * channels }
}

/// Every convolution, linear and batch-norm layer of a ResNet at 224×224, in execution order.
///
/// The torchvision v1.5 graph: stem 7×7/2 conv + BN + ReLU + 3×3/2 max-pool; per stage s (0…3)
/// bottlenecks of width w = base·2^s (1×1 reduce, 3×3 with the stage's stride on the first block,
/// 1×1 expand to 4w, a 1×1 downsample shortcut on each stage's first block); global average pool; fc.
package struct ModelCatalog: Codable, Sendable, Equatable {
  package var model: ResNetModel
  /// Input image extent in pixels (224).
  package var imageSize: Int
  /// Bottlenecks per stage (the model's, or a smaller test network's).
  package var blocks: [Int]
  /// Stem output channels and first-stage width (64 in ResNets).
  package var baseWidth: Int
  /// Classifier outputs (1000 for ImageNet).
  package var classes: Int
  /// Every convolution and linear layer, in execution order.
  package var layers: [LayerSpec]
  /// Every batch norm, in execution order.
  package var batchNorms: [BatchNormSpec]

  /// Builds the catalog of `model` for square `imageSize` inputs (224 in the paper).
  ///
  /// `blocks`, `baseWidth` and `classes` override the model's for small test networks with the same
  /// graph (for example one bottleneck per stage, width 8, 10 classes, 32×32 images).
  package init(
    _ model: ResNetModel, imageSize: Int = 224, blocks: [Int]? = nil, baseWidth: Int = 64, classes: Int = 1000
  ) {
    self.model = model
    self.imageSize = imageSize
    self.blocks = blocks ?? model.blocks
    self.baseWidth = baseWidth
    self.classes = classes
    var layers: [LayerSpec] = []
    var norms: [BatchNormSpec] = []
    let stem = LayerSpec(
      name: "conv1", kind: .convolution, role: .stem, inChannels: 3, outChannels: baseWidth, kernel: 7,
      stride: 2, padding: 3, inputHeight: imageSize, inputWidth: imageSize)
    layers.append(stem)
    norms.append(BatchNormSpec(name: "bn1", channels: baseWidth))
    // Max-pool 3×3 stride 2 padding 1.
    var size = ConvShape.outputExtent(input: stem.outputHeight, kernel: 3, stride: 2, padding: 1)
    var inChannels = baseWidth
    for (stage, count) in self.blocks.enumerated() {
      let width = baseWidth << stage
      let outChannels = width * 4
      for block in 0..<count {
        let prefix = "layer\(stage + 1).\(block)"
        let stride = (block == 0 && stage > 0) ? 2 : 1
        let conv1 = LayerSpec(
          name: "\(prefix).conv1", kind: .convolution, role: .reduce, inChannels: inChannels,
          outChannels: width, inputHeight: size, inputWidth: size)
        let conv2 = LayerSpec(
          name: "\(prefix).conv2", kind: .convolution, role: .spatial, inChannels: width,
          outChannels: width, kernel: 3, stride: stride, padding: 1, inputHeight: size, inputWidth: size)
        let outSize = conv2.outputHeight
        let conv3 = LayerSpec(
          name: "\(prefix).conv3", kind: .convolution, role: .expand, inChannels: width,
          outChannels: outChannels, inputHeight: outSize, inputWidth: outSize)
        layers += [conv1, conv2, conv3]
        norms += [1, 2, 3].map {
          BatchNormSpec(name: "\(prefix).bn\($0)", channels: [width, width, outChannels][$0 - 1])
        }
        if block == 0 {
          layers.append(
            LayerSpec(
              name: "\(prefix).downsample.0", kind: .convolution, role: .downsample,
              inChannels: inChannels, outChannels: outChannels, stride: stride, inputHeight: size,
              inputWidth: size))
          norms.append(BatchNormSpec(name: "\(prefix).downsample.1", channels: outChannels))
        }
        inChannels = outChannels
        size = outSize
      }
    }
    layers.append(
      LayerSpec(
        name: "fc", kind: .linear, role: .classifier, inChannels: inChannels, outChannels: classes,
        bias: true, inputHeight: 1, inputWidth: 1))
    self.layers = layers
    self.batchNorms = norms
  }

  /// Parameters of every layer including batch norm (torchvision's `sum(p.numel())`).
  package var parameterCount: Int {
    layers.reduce(0) { $0 + $1.parameterCount } + batchNorms.reduce(0) { $0 + $1.parameterCount }
  }

  /// Multiply-adds of convolution and linear layers for one image.
  package var macsPerImage: Int { layers.reduce(0) { $0 + $1.macsPerImage } }

  /// FLOPs (2 × MACs) for one image.
  package var flopsPerImage: Int { 2 * macsPerImage }

  /// Weight layers on the main path (stem, bottleneck convolutions, fc; no downsample): 50/101/152.
  package var mainPathLayerCount: Int { layers.filter(\.isMainPath).count }
}
