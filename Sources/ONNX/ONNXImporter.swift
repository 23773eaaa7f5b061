import Foundation
import Geometry
import Networks
import Programs
import Support
import SwiftProtobuf
import Tensors

/// Reads an ONNX file into an `ImportedModel`: decodes the protobuf, reads every constant, walks the graph in
/// order inferring each activation's shape (NCHW), and turns every Conv, Gemm and MatMul into a lrd-bench layer
/// with its real weights (converted once from OIHW to HWIO).
package enum ONNXImporter {
  /// Imports `path`; `inputShape` (N, C, H, W) replaces the file's input shape (required when it is dynamic).
  ///
  /// `memoryLimit` bounds the bytes of Float weights held (the file's size is checked before reading).
  package static func load(_ path: String, inputShape: [Int]? = nil, memoryLimit: Int = 8 << 30)
    throws(ONNXError) -> ImportedModel
  {
    let (data, model) = try decode(path, memoryLimit: memoryLimit)
    var walker = GraphWalker(
      file: path, directory: (path as NSString).deletingLastPathComponent, memoryLimit: memoryLimit)
    try walker.readInitializers(model.graph.initializer)
    let input = try walker.input(model.graph, given: inputShape)
    for (index, node) in model.graph.node.enumerated() { try walker.visit(node, index: index) }
    let graph = walker.graph(output: model.graph.output.first?.name ?? "", input: input.name)
    let opset =
      model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map { Int($0.version) } ?? 0
    return ImportedModel(
      file: ModelFile(
        path: URL(fileURLWithPath: path).standardizedFileURL.path, sha256: SHA256.hex(data),
        inputShape: inputShape),
      opset: opset,
      producer: [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " "),
      input: input, layers: walker.layers, operators: walker.operators, parameterCount: walker.parameters,
      graph: graph, graphProblem: graph == nil ? walker.problem ?? "it has no output" : nil)
  }

  /// The file's bytes and its decoded `ModelProto` (one with a graph of at least one node).
  static func decode(_ path: String, memoryLimit: Int = 8 << 30) throws(ONNXError) -> (Data, Onnx_ModelProto)
  {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw .unreadable(file: path, reason: "no such file")
    }
    guard !isDirectory.boolValue else { throw .unreadable(file: path, reason: "it is a directory") }
    let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    guard size <= memoryLimit else { throw .tooLarge(file: path, bytes: size, limit: memoryLimit) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .unreadable(file: path, reason: "permission denied or a read error")
    }
    let model: Onnx_ModelProto
    do {
      model = try Onnx_ModelProto(serializedBytes: data)
    } catch {
      throw .notONNX(file: path, reason: "not a protobuf ModelProto: \(error)")
    }
    guard model.irVersion > 0, model.hasGraph, !model.graph.node.isEmpty else {
      throw .notONNX(file: path, reason: model.hasGraph ? "its graph has no node" : "it holds no graph")
    }
    return (data, model)
  }
}

/// The state of one walk over a graph: constants, activation shapes, the layers found so far.
struct GraphWalker {
  let file: String
  let directory: String
  let memoryLimit: Int
  /// Constants by name (initializers, Constant and ConstantOfShape outputs).
  var constants: [String: ONNXConstant] = [:]
  /// Activation shapes (ONNX order, batch first) by name.
  var shapes: [String: [Int]] = [:]
  var layers: [ImportedLayer] = []
  var operators: [String: Int] = [:]
  var parameters = 0
  var bytes = 0
  /// Slot of each activation in the graph spec being built, and each slot's NHWC shape at batch 1.
  var slots: [String: Int] = [:]
  var slotShapes: [[Int]] = []
  var nodes: [GraphSpec.Node] = []
  /// The first reason the graph cannot run as a network (nil while it can).
  var problem: String?
  /// Padding of each Conv and pool node by name: one value for every side, or explicit sides (top, left,
  /// bottom, right) run as a Pad before the node.
  var paddings: [String: Padding] = [:]

  init(file: String, directory: String, memoryLimit: Int) {
    self.file = file
    self.directory = directory
    self.memoryLimit = memoryLimit
  }

  mutating func readInitializers(_ initializers: [Onnx_TensorProto]) throws(ONNXError) {
    for tensor in initializers {
      try add(tensor.name, ONNXTensorReader.read(tensor, file: file, directory: directory))
    }
  }

  mutating func add(_ name: String, _ constant: ONNXConstant) throws(ONNXError) {
    bytes += constant.count * 4
    guard bytes <= memoryLimit else { throw .tooLarge(file: file, bytes: bytes, limit: memoryLimit) }
    constants[name] = constant
  }

  /// The image input: the first graph input that is not a constant and has rank 4 (N, C, H, W).
  mutating func input(_ graph: Onnx_GraphProto, given: [Int]?) throws(ONNXError) -> (
    name: String, shape: [Int]
  ) {
    let candidates = graph.input.filter { constants[$0.name] == nil }
    guard
      let input = candidates.first(where: { $0.type.tensorType.shape.dim.count == 4 })
        ?? (given == nil ? nil : candidates.first)
    else {
      throw .inputShape(
        file: file, input: candidates.first?.name ?? "(none)",
        reason: candidates.isEmpty
          ? "is missing: every graph input is a constant" : "is not an N, C, H, W image")
    }
    // Other non-constant inputs (such as batch norm parameters fed as inputs) get their declared shapes.
    for other in candidates where other.name != input.name {
      shapes[other.name] = other.type.tensorType.shape.dim.map { Int($0.dimValue) }
    }
    if let given {
      guard given.count == 4, given.allSatisfy({ $0 >= 1 }) else {
        throw .inputShape(file: file, input: input.name, reason: "cannot take the shape \(given)")
      }
      shapes[input.name] = given
      return (input.name, given)
    }
    let dims = input.type.tensorType.shape.dim
    func value(_ dimension: Onnx_TensorShapeProto.Dimension) -> Int {
      if case .dimValue(let value)? = dimension.value, value > 0 { return Int(value) }
      return 0
    }
    // A dynamic batch is fine: lrd-bench sets the batch itself; channels and extent must be known.
    var shape = dims.map(value)
    if shape.first == 0 { shape[0] = 1 }
    guard !shape.contains(0) else {
      let named = dims.map { value($0) > 0 ? "\(value($0))" : ($0.dimParam.isEmpty ? "?" : $0.dimParam) }
      throw .inputShape(
        file: file, input: input.name, reason: "has a dynamic shape [\(named.joined(separator: ", "))]")
    }
    shapes[input.name] = shape
    return (input.name, shape)
  }
}
