import Networks
import Programs
import Support
import Tensors

/// Which model file a plan or result was measured on: its path as given, its SHA-256, and the input shape
/// used when the file leaves it open.
package struct ModelFile: Codable, Sendable, Hashable, CustomStringConvertible {
  /// The path as the user gave it.
  package var path: String
  /// SHA-256 of the file's bytes (64 hex digits).
  package var sha256: String
  /// N, C, H, W given for a model whose input shape is dynamic or missing; nil to use the file's.
  package var inputShape: [Int]?

  package init(path: String, sha256: String, inputShape: [Int]? = nil) {
    self.path = path
    self.sha256 = sha256
    self.inputShape = inputShape
  }

  /// The file's name without its directory and `.onnx` ("resnet50"), for directory names and table rows.
  package var stem: String {
    let file = path.split(separator: "/").last.map(String.init) ?? "model"
    return file.hasSuffix(".onnx") ? String(file.dropLast(5)) : file
  }

  /// "resnet50.onnx (sha256 1f2e3d4c…)".
  package var description: String {
    "\(path.split(separator: "/").last.map(String.init) ?? path) (sha256 \(sha256.prefix(12))…)"
  }
}

/// One convolution or linear layer of an imported model, with its real weights.
package struct ImportedLayer: @unchecked Sendable {
  /// The layer as lrd-bench's kernels see it (one image; NHWC activations, HWIO weights).
  package var spec: LayerSpec
  /// The ONNX node's name (may be empty in files that do not name nodes).
  package var node: String
  /// The weight initializer's name.
  package var weightName: String
  /// HWIO weight `[k, k, Cin/groups, Cout]`, converted once from ONNX's OIHW (or a Gemm's `[K, N]`/`[N, K]`).
  package var weight: Tensor
  /// The bias, `[Cout]`, when the node has one.
  package var bias: Tensor?
}

/// A model imported from an ONNX file: its convolution and linear layers with their real weights, in graph
/// order, and what the rest of the graph holds.
package struct ImportedModel: @unchecked Sendable {
  /// The file, its digest and the input shape used.
  package var file: ModelFile
  /// The default-domain opset the file declares.
  package var opset: Int
  /// `producer_name producer_version` of the exporter.
  package var producer: String
  /// The graph input fed with images, and its N, C, H, W.
  package var input: (name: String, shape: [Int])
  /// Every convolution and linear layer, in graph order.
  package var layers: [ImportedLayer]
  /// How many nodes of each operator the graph holds.
  package var operators: [String: Int]
  /// Trainable parameters: convolution and linear weights and biases, and batch norm's scale and shift.
  package var parameterCount: Int
  /// The whole graph as operations over NHWC slots, for running it; nil when it cannot run (`graphProblem`).
  package var graph: GraphSpec?
  /// Why the graph cannot run as a whole network (its layers can still be swept one by one).
  package var graphProblem: String?

  /// The layers whose names match the regular expression `pattern` (all when nil), in graph order.
  package func layers(matching pattern: String?) throws(CatalogError) -> [LayerSpec] {
    guard let pattern else { return layers.map(\.spec) }
    let regex: Regex<AnyRegexOutput>
    do {
      regex = try Regex(pattern)
    } catch {
      throw CatalogError.badFilter(pattern: pattern, reason: "\(error)")
    }
    return layers.map(\.spec).filter { $0.name.contains(regex) }
  }

  /// The layer named `name`: its lrd-bench name, its node's name or its weight initializer's name.
  package func layer(named name: String) throws(ONNXError) -> ImportedLayer {
    if let found = layers.first(where: { $0.spec.name == name || $0.node == name || $0.weightName == name }) {
      return found
    }
    throw .unknownLayer(
      file: file.path, name: name, suggestions: ClosestNames.to(name, in: layers.map(\.spec.name), limit: 3))
  }
}
