import Geometry
import Networks
import Tensors

extension Onnx_NodeProto {
  func attribute(_ name: String) -> Onnx_AttributeProto? { attribute.first { $0.name == name } }
  func ints(_ name: String) -> [Int]? { attribute(name).map { $0.ints.map(Int.init) } }
  func int(_ name: String) -> Int? { attribute(name).map { Int($0.i) } }
  func float(_ name: String) -> Float? { attribute(name).map(\.f) }
  func string(_ name: String) -> String? { attribute(name).map { String(decoding: $0.s, as: UTF8.self) } }
}

extension GraphWalker {
  /// Infers the node's output shapes (and, for Conv, Gemm and MatMul, records a layer).
  mutating func visit(_ node: Onnx_NodeProto, index: Int) throws(ONNXError) {
    let name = node.name.isEmpty ? "\(node.opType)#\(index)" : node.name
    operators[node.opType, default: 0] += 1
    func shape(_ position: Int) throws(ONNXError) -> [Int] {
      guard position < node.input.count, let found = shapes[node.input[position]] else {
        throw .missingTensor(
          file: file, node: name,
          tensor: position < node.input.count ? node.input[position] : "input \(position)")
      }
      return found
    }
    func constant(_ position: Int) throws(ONNXError) -> ONNXConstant {
      guard position < node.input.count, let found = constants[node.input[position]] else {
        throw .missingTensor(
          file: file, node: name,
          tensor: position < node.input.count ? node.input[position] : "input \(position)")
      }
      return found
    }
    func output(_ shape: [Int]) { if let first = node.output.first { shapes[first] = shape } }
    switch node.opType {
    case "Constant":
      guard let tensor = node.attribute("value")?.t, node.attribute("value")?.hasT == true else {
        throw .unsupportedAttribute(
          file: file, node: name, what: "a Constant without a tensor 'value' is not read")
      }
      try add(node.output.first ?? name, ONNXTensorReader.read(tensor, file: file, directory: directory))
    case "ConstantOfShape":
      let dims = try constant(0).ints
      var value: Float = 0
      if let tensor = node.attribute("value")?.t {
        value = try ONNXTensorReader.read(tensor, file: file, directory: directory).floats.first ?? 0
      }
      try add(
        node.output.first ?? name,
        ONNXConstant(dims: dims, floats: Array(repeating: value, count: dims.reduce(1, *)), ints: []))
    case "Conv": try convolution(node, name: name, input: try shape(0), weight: try constant(1))
    case "Gemm", "MatMul": try linear(node, name: name, input: try shape(0))
    case "BatchNormalization":
      let input = try shape(0)
      parameters += 2 * (input.count > 1 ? input[1] : 0)
      output(input)
    case "Relu", "Identity", "Dropout", "Softmax": output(try shape(0))
    case "MaxPool", "AveragePool": output(try pool(node, name: name, input: try shape(0)))
    case "GlobalAveragePool":
      let input = try shape(0)
      output(Array(input.prefix(2)) + Array(repeating: 1, count: max(input.count - 2, 0)))
    case "Add", "Sum":
      // Elementwise with broadcasting: the largest activation operand gives the shape.
      // A constant operand is a learned bias (a MatMul's, or any other): it counts as parameters.
      parameters += node.input.compactMap { constants[$0]?.count }.reduce(0, +)
      let operands = node.input.compactMap { shapes[$0] }
      guard let largest = operands.max(by: { $0.reduce(1, *) < $1.reduce(1, *) }) else {
        throw .missingTensor(file: file, node: name, tensor: node.input.first ?? "its inputs")
      }
      output(largest)
    case "Flatten":
      let input = try shape(0)
      var axis = node.int("axis") ?? 1
      if axis < 0 { axis += input.count }
      output([input.prefix(axis).reduce(1, *), input.dropFirst(axis).reduce(1, *)])
    case "Reshape":
      let input = try shape(0)
      var target = try constant(1).ints
      for (i, value) in target.enumerated() where value == 0 && i < input.count { target[i] = input[i] }
      let known = target.filter { $0 != -1 }.reduce(1, *)
      if let unknown = target.firstIndex(of: -1), known > 0 { target[unknown] = input.reduce(1, *) / known }
      guard target.reduce(1, *) == input.reduce(1, *) else {
        throw .shapeMismatch(
          file: file, node: name, reason: "cannot reshape \(input) to \(try constant(1).ints)")
      }
      output(target)
    default:
      throw .unsupportedOperator(file: file, node: name, op: node.opType)
    }
    emitOperation(node, name: name)
  }

  /// The node as an operation of the runnable graph (shapes are known by now).
  mutating func emitOperation(_ node: Onnx_NodeProto, name: String) {
    let first = node.input.first ?? ""
    switch node.opType {
    case "Conv":
      emit(.layer(layers[layers.count - 1].spec.name), node, name: name, inputs: [padded(first, for: name)])
    case "Gemm", "MatMul":
      emit(.layer(layers[layers.count - 1].spec.name), node, name: name, inputs: [first])
    case "BatchNormalization":
      let parameters = node.input.dropFirst().prefix(4).compactMap { constants[$0]?.floats }
      guard parameters.count == 4 else {
        return cannotRun("batch norm \(name) takes its parameters as graph inputs, not constants")
      }
      emit(
        .batchNorm(
          scale: parameters[0], shift: parameters[1], mean: parameters[2], variance: parameters[3],
          epsilon: node.float("epsilon") ?? 1e-5), node, name: name, inputs: [first])
    case "Relu": emit(.relu, node, name: name, inputs: [first])
    case "Softmax":
      guard (shapes[first]?.count ?? 0) == 2 else { return cannotRun("softmax \(name) is not over a vector") }
      emit(.softmax, node, name: name, inputs: [first])
    case "MaxPool", "AveragePool":
      let kernel = node.ints("kernel_shape")?.first ?? 1
      let stride = node.ints("strides")?.first ?? 1
      let padding = paddings[name]?.symmetric ?? 0
      let input = padded(first, for: name, value: node.opType == "MaxPool" ? -.infinity : 0)
      emit(
        node.opType == "MaxPool"
          ? .maxPool(kernel: kernel, stride: stride, padding: padding)
          : .averagePool(
            kernel: kernel, stride: stride, padding: padding,
            countsPadding: node.int("count_include_pad") == 1),
        node, name: name, inputs: [input])
    case "GlobalAveragePool": emit(.globalAveragePool, node, name: name, inputs: [first])
    case "Add", "Sum":
      let bias = node.input.compactMap { constants[$0] }
      let activations = node.input.filter { constants[$0] == nil }
      if bias.isEmpty {
        emit(.add, node, name: name, inputs: activations)
      } else if bias.count == 1, activations.count == 1, let shape = shapes[activations[0]],
        bias[0].count == (shape.count > 1 ? shape[1] : 0)
      {
        emit(.addBias(bias[0].floats), node, name: name, inputs: activations)
      } else {
        cannotRun("\(node.opType) \(name) adds a constant that is not a per-channel bias")
      }
    case "Identity", "Dropout", "Flatten", "Reshape": alias(node, name: name)
    default: break
    }
  }

  /// The padding of a Conv or pool: `pads` (begin…, end…) or `auto_pad`, as ONNX defines them.
  func padding(_ node: Onnx_NodeProto, name: String, input: [Int], kernel: (Int, Int), stride: Int)
    throws(ONNXError) -> Padding
  {
    let autoPad = node.string("auto_pad") ?? "NOTSET"
    var pads = node.ints("pads") ?? [0, 0, 0, 0]
    switch autoPad {
    case "NOTSET", "": break
    case "VALID": pads = [0, 0, 0, 0]
    case "SAME_UPPER", "SAME_LOWER":
      // The output is ⌈extent / stride⌉; SAME_UPPER puts an odd padding's extra at the end, SAME_LOWER first.
      let sides = zip(input.dropFirst(2), [kernel.0, kernel.1]).map { extent, kernel in
        let out = (extent + stride - 1) / stride
        let total = max((out - 1) * stride + kernel - extent, 0)
        return autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
      }
      pads = [sides[0].0, sides[1].0, sides[0].1, sides[1].1]
    default:
      throw .unsupportedAttribute(file: file, node: name, what: "auto_pad \(autoPad) is not an ONNX value")
    }
    guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }), max(pads[0], pads[2]) < kernel.0,
      max(pads[1], pads[3]) < kernel.1
    else {
      throw .unsupportedAttribute(
        file: file, node: name, what: "pads \(pads): give 4 values, each at least 0 and below the kernel size"
      )
    }
    return Padding(top: pads[0], left: pads[1], bottom: pads[2], right: pads[3])
  }

  /// A Conv: one lrd-bench convolution layer with its weights, and its output shape.
  mutating func convolution(_ node: Onnx_NodeProto, name: String, input: [Int], weight: ONNXConstant)
    throws(ONNXError)
  {
    guard input.count == 4, weight.dims.count == 4 else {
      throw .unsupportedAttribute(
        file: file, node: name, what: "only 2-D convolutions run (input \(input), weight \(weight.dims))")
    }
    let (outChannels, groupIn, kh, kw) = (weight.dims[0], weight.dims[1], weight.dims[2], weight.dims[3])
    let groups = node.int("group") ?? 1
    let strides = node.ints("strides") ?? [1, 1]
    let dilations = node.ints("dilations") ?? [1, 1]
    guard Set(strides).count == 1 else {
      throw .unsupportedAttribute(file: file, node: name, what: "strides \(strides): only equal strides run")
    }
    guard dilations.allSatisfy({ $0 == 1 }) else {
      throw .unsupportedAttribute(
        file: file, node: name, what: "dilations \(dilations): only dilation 1 runs")
    }
    guard groups >= 1, groupIn * groups == input[1], outChannels % groups == 0 else {
      throw .shapeMismatch(
        file: file, node: name,
        reason: "weight \(weight.dims) with \(groups) groups does not fit \(input[1]) input channels")
    }
    // Unequal sides run as a Pad before the convolution, which then reads the padded map unpadded.
    let padding = try padding(node, name: name, input: input, kernel: (kh, kw), stride: strides[0])
    paddings[name] = padding
    let shape = ConvShape(
      inChannels: input[1], outChannels: outChannels, kernel: kh, kernelWidth: kw, stride: strides[0],
      padding: padding.symmetric ?? 0, groups: groups,
      inputHeight: input[2] + (padding.symmetric == nil ? padding.top + padding.bottom : 0),
      inputWidth: input[3] + (padding.symmetric == nil ? padding.left + padding.right : 0))
    // OIHW → HWIO.
    var hwio = [Float](repeating: 0, count: weight.count)
    for o in 0..<outChannels {
      for i in 0..<groupIn {
        for y in 0..<kh {
          for x in 0..<kw {
            hwio[((y * kw + x) * groupIn + i) * outChannels + o] =
              weight.floats[((o * groupIn + i) * kh + y) * kw + x]
          }
        }
      }
    }
    let bias = node.input.count > 2 && !node.input[2].isEmpty ? constants[node.input[2]] : nil
    try record(
      node, name: name, kind: .convolution, shape: shape,
      weight: Tensor(shape: shape.weightShape, scalars: hwio),
      bias: bias)
    if let first = node.output.first {
      shapes[first] = [input[0], outChannels, shape.outputHeight, shape.outputWidth]
    }
  }

  /// A Gemm (alpha = beta = 1, A not transposed) or a MatMul by a constant: one lrd-bench linear layer.
  mutating func linear(_ node: Onnx_NodeProto, name: String, input: [Int]) throws(ONNXError) {
    guard input.count == 2 else {
      throw .unsupportedAttribute(
        file: file, node: name,
        what: "a \(node.opType) of a rank-\(input.count) input: flatten it to N × K first")
    }
    guard node.input.count > 1, let b = constants[node.input[1]], b.dims.count == 2 else {
      throw .unsupportedAttribute(
        file: file, node: name, what: "a \(node.opType) needs a constant 2-D weight as its second input")
    }
    let transposed = node.opType == "Gemm" && node.int("transB") == 1
    guard (node.float("alpha") ?? 1) == 1, (node.float("beta") ?? 1) == 1, (node.int("transA") ?? 0) == 0
    else {
      throw .unsupportedAttribute(
        file: file, node: name,
        what: "a Gemm with alpha or beta ≠ 1 or transA = 1 is not a plain linear layer")
    }
    let (k, n) = transposed ? (b.dims[1], b.dims[0]) : (b.dims[0], b.dims[1])
    guard k == input[1] else {
      throw .shapeMismatch(file: file, node: name, reason: "weight \(b.dims) does not fit input \(input)")
    }
    // HWIO [1, 1, K, N]: B as is, or Bᵀ.
    var weight = b.floats
    if transposed {
      weight = [Float](repeating: 0, count: k * n)
      for row in 0..<n { for column in 0..<k { weight[column * n + row] = b.floats[row * k + column] } }
    }
    let bias = node.opType == "Gemm" && node.input.count > 2 ? constants[node.input[2]] : nil
    let shape = ConvShape.linear(inFeatures: k, outFeatures: n)
    try record(
      node, name: name, kind: .linear, shape: shape,
      weight: Tensor(shape: shape.weightShape, scalars: weight),
      bias: bias)
    if let first = node.output.first { shapes[first] = [input[0], n] }
  }

  /// Adds a layer named after its weight initializer (`layer4.2.conv2.weight` → `layer4.2.conv2`, as PyTorch
  /// exports name them; other names as they are), weights checked finite.
  mutating func record(
    _ node: Onnx_NodeProto, name: String, kind: LayerSpec.Kind, shape: ConvShape, weight: Tensor,
    bias: ONNXConstant?
  ) throws(ONNXError) {
    let weightName = node.input[1]
    guard weight.isFinite else { throw .nonFinite(file: file, tensor: weightName) }
    var layerName =
      weightName.hasSuffix(".weight")
      ? String(weightName.dropLast(".weight".count))
      : weightName.isEmpty ? name : weightName
    if layers.contains(where: { $0.spec.name == layerName }) { layerName += "#\(layers.count)" }
    var biasTensor: Tensor?
    if let bias {
      guard bias.count == shape.outChannels else {
        throw .shapeMismatch(
          file: file, node: name, reason: "bias of \(bias.count) values for \(shape.outChannels) outputs")
      }
      biasTensor = Tensor(shape: [shape.outChannels], scalars: bias.floats)
      guard biasTensor!.isFinite else { throw .nonFinite(file: file, tensor: node.input[2]) }
    }
    let role: LayerSpec.Role =
      kind == .linear
      ? .classifier
      : !shape.hasOneByOneKernel
        ? (layers.isEmpty ? .stem : .spatial)
        : layerName.contains("downsample") || layerName.contains("branch1")
          ? .downsample
          : shape.outChannels > shape.inChannels ? .expand : .reduce
    let spec = LayerSpec(name: layerName, kind: kind, role: role, shape: shape, bias: biasTensor != nil)
    parameters += spec.parameterCount
    layers.append(
      ImportedLayer(spec: spec, node: node.name, weightName: weightName, weight: weight, bias: biasTensor))
  }

  /// MaxPool or AveragePool: the output shape (square windows, equal strides, floor).
  mutating func pool(_ node: Onnx_NodeProto, name: String, input: [Int]) throws(ONNXError) -> [Int] {
    guard input.count == 4, let kernel = node.ints("kernel_shape"), kernel.count == 2, kernel[0] == kernel[1]
    else {
      throw .unsupportedAttribute(file: file, node: name, what: "only square 2-D pooling windows run")
    }
    let strides = node.ints("strides") ?? [1, 1]
    guard Set(strides).count == 1, (node.int("ceil_mode") ?? 0) == 0 else {
      throw .unsupportedAttribute(
        file: file, node: name, what: "pooling with strides \(strides) or ceil_mode 1 is not run")
    }
    let padding = try padding(
      node, name: name, input: input, kernel: (kernel[0], kernel[0]), stride: strides[0])
    // Unequal sides run as a Pad first: of −∞ for MaxPool, of zeros for an AveragePool that counts padding.
    // One that leaves padding out of its divisor would need each window's own count: refused.
    if padding.symmetric == nil && node.opType == "AveragePool" && node.int("count_include_pad") != 1 {
      throw .unsupportedAttribute(
        file: file, node: name,
        what: "asymmetric padding \(padding) of an AveragePool that leaves padding out of its divisor "
          + "(count_include_pad 0) is not run")
    }
    paddings[name] = padding
    let extents = [padding.top + padding.bottom, padding.left + padding.right]
    return [input[0], input[1]]
      + zip(input.dropFirst(2), extents).map { extent, sides in
        padding.symmetric == nil
          ? ConvShape.outputExtent(input: extent + sides, kernel: kernel[0], stride: strides[0], padding: 0)
          : ConvShape.outputExtent(input: extent, kernel: kernel[0], stride: strides[0], padding: sides / 2)
      }
  }
}

/// The padding of a Conv or pool node, per side.
struct Padding: Equatable, CustomStringConvertible {
  var top: Int
  var left: Int
  var bottom: Int
  var right: Int

  /// The one value of every side, nil when sides differ.
  var symmetric: Int? { Set([top, left, bottom, right]).count == 1 ? top : nil }

  /// "[top, left, bottom, right]", ONNX's `pads` order.
  var description: String { "[\(top), \(left), \(bottom), \(right)]" }
}
