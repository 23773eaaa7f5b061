import Support

/// Why an ONNX file could not be imported; every case names the file and, where there is one, the node or
/// tensor, and says what would work.
package enum ONNXError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The file is missing or unreadable.
  case unreadable(file: String, reason: String)
  /// The bytes are not an ONNX model (not a protobuf `ModelProto`, truncated, or without a graph).
  case notONNX(file: String, reason: String)
  /// A node's operator is not one lrd-bench runs.
  case unsupportedOperator(file: String, node: String, op: String)
  /// A node uses an attribute value lrd-bench does not run (dilation, asymmetric padding, …).
  case unsupportedAttribute(file: String, node: String, what: String)
  /// The graph's input has no static shape (or no input is left once initializers are set aside).
  case inputShape(file: String, input: String, reason: String)
  /// A node refers to a tensor nothing produces, or needs a constant (weights, a reshape's shape) that is not one.
  case missingTensor(file: String, node: String, tensor: String)
  /// An initializer's external data file is missing, outside the model's directory, or too short.
  case externalData(file: String, tensor: String, reason: String)
  /// An initializer's data is shorter than its shape, or of a type that cannot be read as numbers.
  case tensorData(file: String, tensor: String, reason: String)
  /// A weight holds NaN or infinity.
  case nonFinite(file: String, tensor: String)
  /// The model's weights would not fit in the memory allowed.
  case tooLarge(file: String, bytes: Int, limit: Int)
  /// `--layer` names no convolution or linear layer of the model.
  case unknownLayer(file: String, name: String, suggestions: [String])
  /// The file's SHA-256 is not the one recorded when the plan was made.
  case changed(file: String, recorded: String, now: String)
  /// A node's shapes do not fit together (a weight of the wrong shape, a reshape that changes the size).
  case shapeMismatch(file: String, node: String, reason: String)

  /// The operators lrd-bench maps to its executor.
  package static let supportedOperators = [
    "AveragePool", "BatchNormalization", "Constant", "ConstantOfShape", "Conv", "Dropout", "Flatten", "Gemm",
    "GlobalAveragePool", "Identity", "MatMul", "MaxPool", "Relu", "Reshape", "Softmax", "Add", "Sum",
  ].sorted()

  package var description: String {
    switch self {
    case .unreadable(let file, let reason): "cannot read the ONNX file \(file): \(reason)"
    case .notONNX(let file, let reason):
      "\(file) is not an ONNX model (\(reason)); give a .onnx file written by torch.onnx.export or onnx.save"
    case .unsupportedOperator(let file, let node, let op):
      "\(file): node \(node) is a \(op), which lrd-bench does not run; supported: "
        + Self.supportedOperators.joined(separator: ", ")
    case .unsupportedAttribute(let file, let node, let what): "\(file): node \(node): \(what)"
    case .inputShape(let file, let input, let reason):
      "\(file): input \(input) \(reason); give the input shape explicitly as N,C,H,W (e.g. 1,3,224,224)"
    case .missingTensor(let file, let node, let tensor):
      "\(file): node \(node) needs \(tensor), which is not a constant of the model or an output of an earlier node"
    case .externalData(let file, let tensor, let reason):
      "\(file): the external data of \(tensor) \(reason); keep the data files next to the model as exported"
    case .tensorData(let file, let tensor, let reason): "\(file): tensor \(tensor) \(reason)"
    case .nonFinite(let file, let tensor): "\(file): tensor \(tensor) holds NaN or infinite values"
    case .tooLarge(let file, let bytes, let limit):
      "\(file): its weights take \(bytes / 1_048_576) MiB, over the \(limit / 1_048_576) MiB allowed"
    case .unknownLayer(let file, let name, let suggestions):
      "\(file) has no convolution or linear layer \(name)"
        + (suggestions.isEmpty ? "" : " (did you mean \(suggestions.joined(separator: ", "))?)")
        + "; lrd-bench layers lists them"
    case .shapeMismatch(let file, let node, let reason): "\(file): node \(node): \(reason)"
    case .changed(let file, let recorded, let now):
      "\(file) changed since the run began (SHA-256 \(recorded.prefix(12))… then, \(now.prefix(12))… now); "
        + "restore that file or start a new run"
    }
  }

  /// Always bad input: the file, not the machine, is the problem.
  package var isBadInput: Bool { true }
}
