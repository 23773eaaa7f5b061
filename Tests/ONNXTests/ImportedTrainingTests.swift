import Decomposition
import Harness
import Networks
import Programs
import Tensors
import Testing

@testable import ONNX

@Suite("Imported networks in training, frozen and merged")
struct ImportedTrainingTests {
  static func built(_ variant: NetworkVariant, file: String = "small-cnn.onnx") throws
    -> ImportedNetworkTiming.Built
  {
    try ImportedNetworkTiming.build(try ONNXImporter.load(fixture(file)), ratio: 2, variant: .init(variant))
  }

  @Test(
    "every weight gradient of the imported graph's training step equals a finite difference of its loss",
    arguments: [
      (NetworkVariant.original, "small-cnn.onnx"), (.lrd, "small-cnn.onnx"),
      (NetworkVariant(ranks: .alpha, merged: true), "small-cnn.onnx"), (.lrd, "padded.onnx"),
    ])
  func gradientsMatchFiniteDifferences(_ variant: NetworkVariant, file: String) throws {
    let program = try ImportedNetworkTiming.program(
      try Self.built(variant, file: file), batch: 2, step: .training, learningRate: 0)
    program.computeGradients()
    let kernels = program.kernels
    var checked = 0
    for kernel in kernels {
      let gradient = kernel.weightGradient.scalars
      let index = gradient.indices.max { abs(gradient[$0]) < abs(gradient[$1]) }!
      let analytic = Double(gradient[index])
      guard abs(analytic) > 1e-3 else { continue }
      let value = kernel.weight[flat: index]
      // As in the ResNet programs' check: batch norm over two images needs a small step (float loss).
      let h: Float = 3e-4
      kernel.weight[flat: index] = value + h
      let plus = program.currentLoss()
      kernel.weight[flat: index] = value - h
      let minus = program.currentLoss()
      kernel.weight[flat: index] = value
      let numeric = (plus - minus) / Double(2 * h)
      #expect(
        abs(numeric - analytic) <= 0.05 * abs(analytic) + 2e-3,
        "\(variant) \(kernel.geometry) [\(index)]: ∂L/∂w = \(analytic), finite difference \(numeric)")
      checked += 1
    }
    #expect(checked >= kernels.count / 2, "only \(checked) of \(kernels.count) kernels had a usable gradient")
  }

  @Test("training lowers the loss; frozen factors stay bitwise unchanged while the others move")
  func frozenFactors() throws {
    let program = try ImportedNetworkTiming.program(
      try Self.built(NetworkVariant(ranks: .alpha, frozen: true)), batch: 2, step: .training,
      learningRate: 0.05)
    let before = program.convolutionWeights.map { ($0.weight.scalars, $0.trained) }
    let first = program.currentLoss()
    for _ in 0..<5 { program.run() }
    #expect(program.currentLoss() < first, "loss \(first) → \(program.loss)")
    var frozen = 0
    for ((weight, _), (scalars, trained)) in zip(program.convolutionWeights, before) {
      if trained {
        #expect(weight.scalars != scalars)
      } else {
        frozen += 1
        #expect(weight.scalars == scalars)
      }
    }
    // Vanilla LRD decomposes 7 layers by SVD (first factor frozen) and one by Tucker-2 (first and last frozen).
    #expect(frozen == 7 + 2, "\(frozen) frozen factors")
  }

  @Test(
    "merging finds the bottleneck with a 3×3 of groups 1 and says why the other k×k layers were not merged")
  func merging() throws {
    let built = try Self.built(NetworkVariant(ranks: .alpha, merged: true))
    let merge = try #require(built.merge)
    #expect(merge.merged == ["layer1.1.conv2"])
    #expect(
      merge.notMerged.map(\.layer) == ["conv1", "layer1.0.conv2"]
        && merge.notMerged[1].reason.contains("not Tucker-2 decomposed (kept original)"),
      "\(merge.notMerged)")
    // conv1' = conv1·U_in (16 → r1), the core (r1 → r2), conv3' (r2 → 16): one factor each, narrowed slots.
    let factors = ["layer1.1.conv1", "layer1.1.conv2", "layer1.1.conv3"].map { built.factors[$0]! }
    #expect(factors.allSatisfy { $0.count == 1 })
    let (r1, r2) = (factors[0][0].spec.outChannels, factors[1][0].spec.outChannels)
    #expect(factors[1][0].spec.inChannels == r1 && factors[2][0].spec.inChannels == r2 && r1 < 4)
    // Three layers where vanilla LRD runs seven factors (SVD 2 + Tucker-2 3 + SVD 2).
    let vanilla = try Self.built(.lrd)
    let count = { (b: ImportedNetworkTiming.Built) in b.factors.values.reduce(0) { $0 + $1.count } }
    #expect(count(built) == count(vanilla) - 4)
    #expect(built.parameterCount < (try Self.built(.original)).parameterCount)
    // The narrowed graph runs in both modes.
    for step in [Mode.inference, .training] {
      let program = try ImportedNetworkTiming.program(built, batch: 2, step: step)
      program.run()
      let finite = program.output.scalars.allSatisfy { $0.isFinite }
      #expect(finite)
    }
  }

  @Test("the bottleneck pattern: reasons for what is not one")
  func bottleneckReasons() throws {
    let model = try ONNXImporter.load(fixture("small-cnn.onnx"))
    let graph = try #require(model.graph)
    let specs = Dictionary(uniqueKeysWithValues: model.layers.map { ($0.spec.name, $0.spec) })
    func reason(_ name: String) -> String? {
      if case .failure(let reason) = graph.bottleneck(around: name, layer: { specs[$0] }) {
        return reason.description
      }
      return nil
    }
    #expect(reason("layer1.1.conv2") == nil)
    #expect(reason("layer1.0.conv2") == "is grouped (2 groups)")
    #expect(reason("conv1") == "is not preceded by a 1×1 convolution, batch norm and ReLU")
    #expect(reason("layer1.1.conv1") == "is a 1×1 layer, not a bottleneck's middle")
  }

  @Test("a training program is eager: the fused mode is refused")
  func fusedTrainingRefused() throws {
    #expect(throws: ProgramError.self) {
      try ImportedNetworkTiming.program(try Self.built(.lrd), batch: 1, mode: .fused, step: .training)
    }
  }
}
