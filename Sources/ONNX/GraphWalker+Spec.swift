import Programs

extension GraphWalker {
  /// NHWC at batch 1 of an ONNX (batch-first) shape: `[N, C, H, W]` → `[1, H, W, C]`, `[N, C]` → `[1, 1, 1, C]`.
  static func nhwc(_ shape: [Int]) -> [Int]? {
    switch shape.count {
    case 4: return [1, shape[2], shape[3], shape[1]]
    case 2: return [1, 1, 1, shape[1]]
    default: return nil
    }
  }

  /// The slot of activation `name` (made on first use from its inferred shape).
  mutating func slot(_ name: String) -> Int? {
    if let known = slots[name] { return known }
    guard let shape = shapes[name], let layout = Self.nhwc(shape) else { return nil }
    slotShapes.append(layout)
    slots[name] = slotShapes.count - 1
    return slotShapes.count - 1
  }

  /// Records that the graph cannot run as a network (the first reason is kept).
  mutating func cannotRun(_ reason: String) { if problem == nil { problem = reason } }

  /// Adds `operation` from the activations `inputs` to the node's first output.
  mutating func emit(_ operation: GraphSpec.Operation, _ node: Onnx_NodeProto, name: String, inputs: [String])
  {
    guard problem == nil else { return }
    var read: [Int] = []
    for input in inputs {
      guard let slot = slot(input) else {
        return cannotRun(
          "node \(name) reads \(input), whose shape \(shapes[input] ?? []) is not an image or a vector")
      }
      read.append(slot)
    }
    guard let first = node.output.first, let output = slot(first) else {
      return cannotRun("node \(name) writes a shape lrd-bench does not lay out")
    }
    nodes.append(GraphSpec.Node(operation: operation, inputs: read, output: output, name: name))
  }

  /// The activation node `name` reads: `input` itself, or, when the node's padding has unequal sides, a padded
  /// copy of it (a Pad operation of `value` added now).
  mutating func padded(_ input: String, for name: String, value: Float = 0) -> String {
    guard problem == nil, let padding = paddings[name], padding.symmetric == nil, let shape = shapes[input],
      shape.count == 4, let from = slot(input)
    else { return input }
    let padded = "\(input)#padded for \(name)"
    shapes[padded] = [
      shape[0], shape[1], shape[2] + padding.top + padding.bottom, shape[3] + padding.left + padding.right,
    ]
    guard let to = slot(padded) else { return input }
    nodes.append(
      GraphSpec.Node(
        operation: .pad(
          top: padding.top, left: padding.left, bottom: padding.bottom, right: padding.right, value: value),
        inputs: [from], output: to, name: name + "#pad"))
    return padded
  }

  /// Makes `output` the same slot as `input` (Identity, Dropout, Flatten or Reshape of a 1×1 map).
  mutating func alias(_ node: Onnx_NodeProto, name: String) {
    guard problem == nil, let input = node.input.first, let output = node.output.first,
      let shape = shapes[input]
    else { return }
    if shape.count == 4 && (shape[2] != 1 || shape[3] != 1) && ["Flatten", "Reshape"].contains(node.opType) {
      return cannotRun(
        "node \(name) flattens a \(shape[2])×\(shape[3]) map: only 1×1 maps are flattened as networks run")
    }
    if let slot = slot(input) { slots[output] = slot }
  }

  /// The graph as operations, or nil when it cannot run (see `problem`).
  mutating func graph(output: String, input: String) -> GraphSpec? {
    guard problem == nil, let inputSlot = slot(input), let outputSlot = slots[output] else { return nil }
    return GraphSpec(shapes: slotShapes, nodes: nodes, input: inputSlot, output: outputSlot)
  }
}
