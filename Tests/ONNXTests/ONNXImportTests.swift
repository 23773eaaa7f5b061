import Decomposition
import Foundation
import Networks
import Programs
import Tensors
import Testing

@testable import ONNX

/// The committed fixtures (scripts/onnx-fixtures writes them).
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
  .path

func fixture(_ name: String) -> String { fixtures + "/" + name }

/// A JSON file of the fixtures as a dictionary.
func expected(_ name: String) throws -> [String: Any] {
  let data = try Data(contentsOf: URL(fileURLWithPath: fixture(name)))
  return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func floats(_ value: Any?) -> [Float] { (value as? [Double] ?? []).map(Float.init) }

@Suite("ONNX import")
struct ONNXImportTests {
  @Test("a small CNN with every supported operator: layers, shapes, names, parameters and HWIO weights")
  func smallCNN() throws {
    let model = try ONNXImporter.load(fixture("small-cnn.onnx"))
    #expect(
      model.layers.map(\.spec.name) == [
        "conv1", "layer1.0.conv1", "layer1.0.conv2", "layer1.0.conv3", "layer1.0.downsample.0",
        "layer1.1.conv1",
        "layer1.1.conv2", "layer1.1.conv3", "fc", "head",
      ])
    #expect(model.input.name == "input" && model.input.shape == [1, 3, 32, 32] && model.opset == 17)
    let conv1 = try model.layer(named: "conv1").spec
    #expect(
      conv1.shape
        == .init(
          inChannels: 3, outChannels: 8, kernel: 3, stride: 2, padding: 1, inputHeight: 32, inputWidth: 32))
    #expect(conv1.bias && conv1.kind == .convolution)
    // After the 3×3 stride-2 max pool: 8×8; the grouped 3×3 keeps its groups.
    let grouped = try model.layer(named: "/layer1.0.conv2/Conv").spec
    #expect(grouped.name == "layer1.0.conv2" && grouped.groups == 2 && grouped.inputHeight == 8)
    #expect(try model.layer(named: "fc.weight").spec.shape == .linear(inFeatures: 16, outFeatures: 10))
    #expect(try model.layer(named: "head").spec.kind == .linear)
    let reference = try expected("small-cnn.expected.json")
    #expect(model.parameterCount == reference["parameters"] as? Int)
    for layer in reference["layers"] as? [[String: Any]] ?? [] {
      let name = try #require(layer["name"] as? String)
      let imported = try model.layer(named: name)
      #expect(imported.weight.scalars == floats(layer["hwio"]), "\(name)'s weights in HWIO order")
      #expect(imported.bias?.scalars == (layer["bias"] is NSNull ? nil : floats(layer["bias"])), "\(name)")
    }
    #expect(model.operators["Conv"] == 8 && model.operators["BatchNormalization"] == 8)
    #expect(model.file.sha256.count == 64 && model.file.path.hasPrefix("/"))
  }

  @Test(
    "float16 raw data, bfloat16 in the typed field and external data read as the same weights",
    arguments: ["half.onnx", "external.onnx"])
  func encodings(file: String) throws {
    let layer = try #require(try ONNXImporter.load(fixture(file)).layers.first)
    let reference = try expected("conv-weight.json")
    #expect(layer.weight.shape == [3, 3, 4, 2] && layer.weight.scalars == floats(reference["hwio"]))
    if file == "half.onnx" { #expect(layer.bias?.scalars == floats(reference["bias"])) }
  }

  @Test("real weights decompose: the reconstruction error falls as the rank grows, and is 0 at full rank")
  func decomposesTheRealWeights() throws {
    let model = try ONNXImporter.load(fixture("small-cnn.onnx"))
    let layer = try model.layer(named: "layer1.0.downsample.0")
    let decomposer = try LayerDecomposer(layer: layer.spec, weight: layer.weight, bias: layer.bias)
    let errors = try (1...8).map { try decomposer.decompose(.svd(rank: $0)).relativeError }
    #expect(zip(errors, errors.dropFirst()).allSatisfy { $0 >= $1 - 1e-6 }, "\(errors)")
    #expect(errors[0] > 0.3 && errors[7] < 1e-5, "\(errors)")
  }

  @Test(
    "the onnx project's light ResNet-50 has exactly the catalog ResNet-50's layers, shapes and parameters")
  func lightResNet50() throws {
    let model = try ONNXImporter.load(fixture("light_resnet50.onnx"))
    let catalog = ModelCatalog(.resnet50)
    #expect(model.layers.map(\.spec.shape) == catalog.layers.map(\.shape))
    #expect(model.layers.map(\.spec.kind) == catalog.layers.map(\.kind))
    #expect(model.parameterCount == catalog.parameterCount)
    #expect(model.layers.first?.spec.name == "gpu_0/conv1_w_0", "Caffe2's weight names, as Netron shows them")
  }

  @Test(
    "bad files are refused naming the file, the node or tensor and the problem",
    arguments: [
      ("missing.onnx", "no such file"), ("not-onnx.onnx", "is not an ONNX model"),
      ("truncated.onnx", "is not an ONNX model"), ("unsupported.onnx", "node /conv/LeakyRelu is a LeakyRelu"),
      ("asymmetric.onnx", "asymmetric padding [0, 0, 1, 1] of an AveragePool that leaves padding out"),
      ("dynamic.onnx", "has a dynamic shape [N, 4, H, 6]"),
      ("nan.onnx", "conv.weight holds NaN"),
      ("short.onnx", "holds 280 bytes of data; its shape [2, 4, 3, 3] needs 288"),
      ("external-missing.onnx", "missing.bin is missing"),
    ])
  func badFiles(file: String, message: String) {
    #expect {
      try ONNXImporter.load(fixture(file))
    } throws: { error in
      "\(error)".contains(message) && "\(error)".contains(file) && (error as? ONNXError)?.isBadInput == true
    }
  }

  @Test("a dynamic input takes the shape given; a model over the memory limit is refused before it is read")
  func inputShapeAndLimit() throws {
    // A dynamic batch alone needs no shape: lrd-bench sets the batch.
    #expect(try ONNXImporter.load(fixture("dynamic-batch.onnx")).input.shape == [1, 4, 6, 6])
    let model = try ONNXImporter.load(fixture("dynamic.onnx"), inputShape: [2, 4, 10, 10])
    #expect(model.input.shape == [2, 4, 10, 10] && model.layers[0].spec.inputHeight == 10)
    #expect(throws: ONNXError.self) { try ONNXImporter.load(fixture("small-cnn.onnx"), memoryLimit: 1000) }
    #expect(throws: ONNXError.self) { try ONNXImporter.load(fixture("dynamic.onnx"), inputShape: [1, 4, 6]) }
    #expect {
      try model.layer(named: "con")
    } throws: {
      "\($0)".contains("did you mean conv")
    }
  }
}

@Suite("Imported networks against the exporting framework")
struct ImportedNetworkTests {
  /// The program of `model` with every layer as `factorization(layer)` (the original by default).
  static func program(
    _ model: ImportedModel, batch: Int = 1, mode: GraphMode = .eager,
    factorization: (ImportedLayer) throws -> Factorization = { _ in .original }
  ) throws -> GraphProgram {
    let graph = try #require(model.graph, "\(model.graphProblem ?? "")")
    return try GraphProgram(spec: graph, batch: batch, mode: mode) { name in
      let layer = try model.layer(named: name)
      return try LayerDecomposer(layer: layer.spec, weight: layer.weight, bias: layer.bias)
        .decompose(try factorization(layer)).factors
    }
  }

  @Test(
    "the small CNN's output equals the onnx reference evaluator's on the same input (relative error < 1e-4)")
  func matchesTheReference() throws {
    let model = try ONNXImporter.load(fixture("small-cnn.onnx"))
    let program = try Self.program(model)
    let reference = try expected("small-cnn.expected.json")
    // The fixture's input is NCHW [1, 3, 32, 32]; the program's is NHWC.
    let nchw = floats(reference["input"])
    var nhwc = [Float](repeating: 0, count: nchw.count)
    for c in 0..<3 {
      for y in 0..<32 { for x in 0..<32 { nhwc[(y * 32 + x) * 3 + c] = nchw[(c * 32 + y) * 32 + x] } }
    }
    program.input.assign(nhwc)
    program.run()
    let expectedOutput = Tensor(shape: [1, 1, 1, 5], scalars: floats(reference["output"]))
    let error = program.output.relativeError(to: expectedOutput)
    #expect(error < 1e-4, "relative error \(error): \(program.output.scalars) vs \(expectedOutput.scalars)")
  }

  @Test(
    "unequal padding (pads, SAME_UPPER, SAME_LOWER; convs and pools) runs as a pad first, as the reference does"
  )
  func unequalPadding() throws {
    let model = try ONNXImporter.load(fixture("padded.onnx"))
    let graph = try #require(model.graph, "\(model.graphProblem ?? "")")
    let pads = graph.nodes.filter { if case .pad = $0.operation { true } else { false } }
    #expect(
      pads.map(\.name) == [
        "/conv1/Conv#pad", "/maxpool/MaxPool#pad", "/conv2/Conv#pad", "/conv3/Conv#pad", "/conv4/Conv#pad",
        "/conv5/Conv#pad", "/avgpool/AveragePool#pad",
      ])
    // Non-square kernels keep their shape: 1×3 and 3×1, HWIO [kh, kw, Cin, Cout].
    #expect(try model.layer(named: "conv4").spec.shape.weightShape == [1, 3, 8, 8])
    #expect(try model.layer(named: "conv5").spec.shape.weightShape == [3, 1, 8, 8])
    // The 3×3 stride-2 conv1 reads a 16×16 map (15 + 0 + 1) unpadded.
    let conv1 = try model.layer(named: "conv1").spec
    #expect(conv1.padding == 0 && conv1.inputHeight == 16 && conv1.outputHeight == 7)
    let reference = try expected("padded.expected.json")
    let nchw = floats(reference["input"])
    var nhwc = [Float](repeating: 0, count: nchw.count)
    for c in 0..<3 {
      for y in 0..<15 { for x in 0..<15 { nhwc[(y * 15 + x) * 3 + c] = nchw[(c * 15 + y) * 15 + x] } }
    }
    let program = try Self.program(model)
    program.input.assign(nhwc)
    program.run()
    let expectedOutput = Tensor(shape: [1, 1, 1, 4], scalars: floats(reference["output"]))
    let error = program.output.relativeError(to: expectedOutput)
    #expect(error < 1e-4, "relative error \(error): \(program.output.scalars) vs \(expectedOutput.scalars)")
  }

  @Test("vanilla LRD of the imported network runs, and its output moves as far as its ranks say")
  func vanillaLRD() throws {
    let model = try ONNXImporter.load(fixture("small-cnn.onnx"))
    let original = try Self.program(model)
    // Full ranks (r1 = Cin, r2 = Cout for Tucker-2; min(Cin, Cout) for SVD) reproduce every layer.
    let full = try Self.program(model) { layer in
      let spec = layer.spec
      guard spec.groups == 1 else { return .original }
      return spec.shape.hasOneByOneKernel
        ? .svd(rank: min(spec.inChannels, spec.outChannels))
        : .tucker2(r1: spec.inChannels, r2: spec.outChannels)
    }
    let halved = try Self.program(model) { layer in
      layer.spec.groups == 1 ? try RankSelection.factorization(for: layer.spec, ratio: 2) : .original
    }
    for program in [original, full, halved] { program.run() }
    #expect(full.output.relativeError(to: original.output) < 1e-4, "full rank reproduces the network")
    #expect(halved.output.relativeError(to: original.output) > 1e-3, "α = 2 changes it")
    #expect(halved.flopsPerCall < original.flopsPerCall)
  }

  @Test(
    "the fused graph (batch norm folded, ReLU in place, add + ReLU in one pass) computes what the eager one does"
  )
  func fusedEqualsEager() throws {
    let model = try ONNXImporter.load(fixture("small-cnn.onnx"))
    for factorization in [
      { (_: ImportedLayer) in Factorization.original },
      { layer in
        layer.spec.groups == 1 ? try RankSelection.factorization(for: layer.spec, ratio: 2) : .original
      },
    ] {
      let eager = try Self.program(model, batch: 2, factorization: factorization)
      let fused = try Self.program(model, batch: 2, mode: .fused, factorization: factorization)
      eager.run()
      fused.run()
      #expect(fused.output.relativeError(to: eager.output) < 1e-5)
      #expect(fused.stepCount < eager.stepCount, "\(fused.stepCount) vs \(eager.stepCount) steps")
    }
  }

  @Test("the light ResNet-50's whole graph maps to a runnable network: 1000 classes out")
  func lightResNetRuns() throws {
    let model = try ONNXImporter.load(fixture("light_resnet50.onnx"))
    let graph = try #require(model.graph, "\(model.graphProblem ?? "")")
    #expect(graph.shapes[graph.output] == [1, 1, 1, 1000])
    #expect(graph.nodes.filter { if case .layer = $0.operation { true } else { false } }.count == 54)
  }
}

@Suite("Writing a variant as ONNX")
struct ONNXExportTests {
  @Test(
    "the exported vanilla-LRD file, imported again, computes what lrd-bench's LRD network computes",
    arguments: ["small-cnn.onnx", "padded.onnx"])
  func roundTrip(file: String) throws {
    let model = try ONNXImporter.load(fixture(file))
    var replacements: [String: [FactorLayer]] = [:]
    var factorizations: [String: Factorization] = [:]
    for layer in model.layers.dropFirst() where layer.spec.groups == 1 {
      let factorization = try RankSelection.factorization(for: layer.spec, ratio: 2)
      factorizations[layer.spec.name] = factorization
      replacements[layer.spec.name] = try LayerDecomposer(
        layer: layer.spec, weight: layer.weight, bias: layer.bias
      )
      .decompose(factorization).factors
    }
    let data = try ONNXExporter.variant(of: model, replacing: replacements, producer: "test")
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("lrd-\(UUID().uuidString).onnx")
      .path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try data.write(to: URL(fileURLWithPath: path))
    let exported = try ONNXImporter.load(path)
    #expect(exported.layers.count == model.layers.count + replacements.values.reduce(0) { $0 + $1.count - 1 })
    let lrd = try ImportedNetworkTests.program(model) { factorizations[$0.spec.name] ?? .original }
    let reread = try ImportedNetworkTests.program(exported)
    lrd.run()
    reread.run()
    #expect(reread.output.relativeError(to: lrd.output) < 1e-5)
  }
}
