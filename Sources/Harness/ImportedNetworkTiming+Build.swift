import Decomposition
import Networks
import ONNX
import Programs

/// What layer merging did to an imported graph.
package struct MergeOutcome: Codable, Sendable, Equatable {
  /// A k×k layer that was not merged, and why.
  package struct Refusal: Codable, Sendable, Equatable {
    package var layer: String
    package var reason: String
  }

  /// The middle (k×k) layers of the merged bottlenecks.
  package var merged: [String]
  /// Every other k×k layer, with the reason.
  package var notMerged: [Refusal]
}

extension ImportedNetworkTiming {
  /// A variant of an imported network ready to run: its graph (narrowed where bottlenecks are merged), each
  /// layer's factors, which factors training freezes, and what merging did.
  package struct Built {
    package var graph: GraphSpec
    /// Every layer's factors (one: the layer as it is, or a merged block's narrowed layer).
    package var factors: [String: [FactorLayer]]
    package var frozen: FrozenFactors
    /// Nil unless the variant merges.
    package var merge: MergeOutcome?
    /// Every layer of a merged bottleneck.
    var mergedLayers: Set<String> = []

    /// Whether `layer` belongs to a merged bottleneck.
    package func isMerged(_ layer: String) -> Bool { mergedLayers.contains(layer) }

    /// Parameters: every factor's weights and bias plus γ and β of every batch norm.
    package var parameterCount: Int {
      let weights = factors.values.joined().reduce(0) { $0 + $1.spec.parameterCount }
      let norms = graph.nodes.reduce(0) {
        if case .batchNorm(let scale, _, _, _, _) = $1.operation { return $0 + 2 * scale.count }
        return $0
      }
      return weights + norms
    }
  }

  /// Builds `variant` of `model`: every layer decomposed as `factorizations` says, then, for a merged variant,
  /// every bottleneck (1×1 → k×k → 1×1 with batch norms and ReLUs) whose k×k layer is Tucker-2 decomposed merged
  /// into three narrower convolutions (paper §2.3; fresh batch norms inside, as before fine-tuning).
  package static func build(_ model: ImportedModel, ratio: Double, variant: Variant) throws -> Built {
    guard let graph = model.graph else {
      throw HarnessError.invalidRequest(
        "\(model.file.path) cannot run as a whole network: \(model.graphProblem ?? "unknown"); its layers can "
          + "still be swept one by one")
    }
    let chosen = try factorizations(model, ratio: ratio, variant: variant)
    var built = Built(
      graph: graph, factors: [:], frozen: variant.network.frozen ? .paper : .none,
      merge: variant.network.merged ? MergeOutcome(merged: [], notMerged: []) : nil)
    var decomposers: [String: LayerDecomposer] = [:]
    for layer in model.layers {
      let decomposer = try LayerDecomposer(layer: layer.spec, weight: layer.weight, bias: layer.bias)
      decomposers[layer.spec.name] = decomposer
      built.factors[layer.spec.name] = try decomposer.decompose(chosen[layer.spec.name] ?? .original).factors
    }
    guard variant.network.merged else { return built }
    let specs = Dictionary(model.layers.map { ($0.spec.name, $0.spec) }) { first, _ in first }
    for layer in model.layers where !layer.spec.shape.hasOneByOneKernel {
      let name = layer.spec.name
      func refuse(_ reason: String) { built.merge?.notMerged.append(.init(layer: name, reason: reason)) }
      let (r1, r2, branches): (Int, Int, Int)
      switch chosen[name] ?? .original {
      case .tucker2(let a, let b): (r1, r2, branches) = (a, b, 1)
      case .branched(let a, let b, let n): (r1, r2, branches) = (a, b, n)
      case let other:
        refuse("is not Tucker-2 decomposed (\(other == .original ? "kept original" : "\(other)"))")
        continue
      }
      let bottleneck: GraphBottleneck
      switch built.graph.bottleneck(around: name, layer: { specs[$0] }) {
      case .success(let found): bottleneck = found
      case .failure(let reason):
        refuse("\(reason)")
        continue
      }
      let members = [bottleneck.conv1, bottleneck.conv2, bottleneck.conv3]
      guard built.mergedLayers.isDisjoint(with: members) else {
        refuse("shares a layer with a bottleneck merged before it")
        continue
      }
      let merged = try MergedBottleneck(
        conv1: (specs[bottleneck.conv1]!, try model.layer(named: bottleneck.conv1).weight),
        conv2: decomposers[name]!,
        conv3: (specs[bottleneck.conv3]!, try model.layer(named: bottleneck.conv3).weight),
        r1: r1, r2: r2, branches: branches)
      built.graph = built.graph.merging(bottleneck, r1: r1, r2: r2)
      for (member, factor) in zip(members, merged.layers) { built.factors[member] = [factor] }
      built.mergedLayers.formUnion(members)
      built.merge?.merged.append(name)
    }
    return built
  }
}
