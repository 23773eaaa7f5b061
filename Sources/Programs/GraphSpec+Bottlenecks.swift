import Networks

/// A bottleneck found in a graph: a 1×1 convolution, batch norm and ReLU, a k×k convolution, batch norm and
/// ReLU, and a 1×1 convolution, each intermediate result read only by the next operation (the pattern layer
/// merging applies to, paper §2.3).
package struct GraphBottleneck: Sendable, Equatable {
  /// The three layers by name.
  package var conv1: String
  package var conv2: String
  package var conv3: String
  /// Node indices of the batch norms after conv1 and conv2.
  package var norms: [Int]
  /// Slots carrying conv1's output width (its output, its batch norm's, its ReLU's) and conv2's.
  package var inner: [[Int]]
}

extension GraphSpec {
  /// The bottleneck whose middle layer is `name`, or why there is none (a phrase: "is grouped (2 groups)").
  ///
  /// `layer` gives a layer's shape by name. Every layer must be bias-free (merging multiplies the weights of the
  /// 1×1s into the Tucker-2 factors and keeps no bias).
  package func bottleneck(around name: String, layer: (String) -> LayerSpec?) -> Result<
    GraphBottleneck, Reason
  > {
    var producer: [Int: Int] = [:]
    var consumers = [Int](repeating: 0, count: shapes.count)
    for (index, node) in nodes.enumerated() {
      producer[node.output] = index
      for slot in node.inputs { consumers[slot] += 1 }
    }
    guard let middle = nodes.firstIndex(where: { $0.operation == .layer(name) }), let spec = layer(name)
    else {
      return .failure(Reason("is not a layer of the graph"))
    }
    guard !spec.shape.hasOneByOneKernel else {
      return .failure(Reason("is a 1×1 layer, not a bottleneck's middle"))
    }
    guard spec.groups == 1 else { return .failure(Reason("is grouped (\(spec.groups) groups)")) }
    /// The node that alone reads `slot`, when it is `matching`.
    func next(_ slot: Int, _ matching: (GraphSpec.Operation) -> Bool) -> Int? {
      guard consumers[slot] == 1, let index = nodes.firstIndex(where: { $0.inputs == [slot] }),
        matching(nodes[index].operation)
      else { return nil }
      return index
    }
    func isNorm(_ operation: GraphSpec.Operation) -> Bool {
      if case .batchNorm = operation { return true } else { return false }
    }
    func isPointwise(_ operation: GraphSpec.Operation) -> Bool {
      guard case .layer(let other) = operation, let shape = layer(other) else { return false }
      return shape.shape.hasOneByOneKernel && shape.groups == 1 && !shape.bias
    }
    // Backwards: ReLU ← batch norm ← 1×1 convolution, each read once.
    let input = nodes[middle].inputs[0]
    guard let relu1 = producer[input], nodes[relu1].operation == .relu, consumers[input] == 1,
      let norm1 = producer[nodes[relu1].inputs[0]], isNorm(nodes[norm1].operation),
      consumers[nodes[norm1].output] == 1,
      let first = producer[nodes[norm1].inputs[0]], isPointwise(nodes[first].operation),
      consumers[nodes[first].output] == 1, case .layer(let conv1) = nodes[first].operation
    else {
      return .failure(Reason("is not preceded by a 1×1 convolution, batch norm and ReLU"))
    }
    // Forwards: batch norm → ReLU → 1×1 convolution, each read once.
    guard let norm2 = next(nodes[middle].output, isNorm),
      let relu2 = next(nodes[norm2].output, { $0 == .relu }),
      let last = next(nodes[relu2].output, isPointwise), case .layer(let conv3) = nodes[last].operation
    else {
      return .failure(Reason("is not followed by batch norm, ReLU and a 1×1 convolution"))
    }
    guard !spec.bias else { return .failure(Reason("has a bias")) }
    return .success(
      GraphBottleneck(
        conv1: conv1, conv2: name, conv3: conv3, norms: [norm1, norm2],
        inner: [
          [nodes[first].output, nodes[norm1].output, input],
          [nodes[middle].output, nodes[norm2].output, nodes[relu2].output],
        ]))
  }

  /// The graph with `bottleneck` narrowed to r1 and r2 inner channels: its inner slots reshaped and its two inner
  /// batch norms replaced by fresh ones (γ = 1, β = 0, running mean 0 and variance 1) of the new widths, as a
  /// merged network starts before fine-tuning.
  package func merging(_ bottleneck: GraphBottleneck, r1: Int, r2: Int) -> GraphSpec {
    var merged = self
    for (index, width) in zip(bottleneck.norms, [r1, r2]) {
      let epsilon: Float
      if case .batchNorm(_, _, _, _, let e) = nodes[index].operation { epsilon = e } else { epsilon = 1e-5 }
      merged.nodes[index].operation = .batchNorm(
        scale: Array(repeating: 1, count: width), shift: Array(repeating: 0, count: width),
        mean: Array(repeating: 0, count: width), variance: Array(repeating: 1, count: width), epsilon: epsilon
      )
    }
    for (slots, width) in zip(bottleneck.inner, [r1, r2]) {
      for slot in slots { merged.shapes[slot][3] = width }
    }
    return merged
  }
}

extension GraphSpec {
  /// Why a layer is not the middle of a mergeable bottleneck.
  package struct Reason: Error, Sendable, Equatable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) { self.description = description }
  }
}
