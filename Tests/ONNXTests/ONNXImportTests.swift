import Decomposition
import Foundation
import Networks
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
        "conv1", "layer1.0.conv1", "layer1.0.conv2", "layer1.0.conv3", "layer1.0.downsample.0", "fc", "head",
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
    #expect(model.operators["Conv"] == 5 && model.operators["BatchNormalization"] == 5)
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
      ("asymmetric.onnx", "asymmetric padding [0, 0, 1, 1]"),
      ("dynamic.onnx", "has a dynamic shape [N, 4, 6, 6]"),
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
