import Decomposition
import Networks
import Support
import Tensors

/// One weight layer of a network plan: the layer (catalog shape, or a merged block's narrowed shape),
/// how it is computed, and which of its factors are frozen in training.
package struct PlannedLayer: Codable, Sendable, Equatable {
  /// The layer's shape (from the catalog, or narrowed in a merged block).
  package var layer: LayerSpec
  /// How the layer is computed: original, SVD, Tucker-2 or branched Tucker-2.
  package var factorization: Factorization
  /// Frozen factor indices (execution order); empty unless the variant is `frozen`.
  package var frozen: [Int]
  /// The kernel backend of this layer's factors (`--backend best`); nil: the process's.
  package var backend: GEMMBackend?

  /// A planned layer; nothing frozen by default.
  package init(
    layer: LayerSpec, factorization: Factorization, frozen: [Int] = [], backend: GEMMBackend? = nil
  ) {
    self.layer = layer
    self.factorization = factorization
    self.frozen = frozen
    self.backend = backend
  }

  /// Parameters, multiply-adds and layer count of the layer as planned.
  package var cost: FactorizationCost { FactorizationCost(layer, factorization) }
  /// Channels of the layer's output (the following batch norm's width).
  package var outChannels: Int { layer.outChannels }
}

/// The ranks a merged bottleneck was built with (its Tucker-2 conv2's, rounded to the branches).
package struct MergeRanks: Codable, Sendable, Equatable {
  /// Rank r1 of the core's input (conv1' output channels).
  package var r1: Int
  /// Rank r2 of the core's output (conv3' input channels).
  package var r2: Int
  /// Branches (groups) of the core.
  package var branches: Int
}

/// One bottleneck of a network plan: the main path (conv1, conv2, conv3, each followed by a batch
/// norm), the optional downsample shortcut, and the merge ranks when the block is merged (then the
/// main layers are the merged conv1', core and conv3', each `original`).
package struct PlannedBlock: Codable, Sendable, Equatable {
  /// The block's torchvision prefix, for example `layer3.2`.
  package var name: String
  /// conv1, conv2 and conv3 as planned (or conv1', core and conv3' when merged).
  package var main: [PlannedLayer]
  /// The 1×1 projection shortcut of a stage's first block, nil elsewhere.
  package var downsample: PlannedLayer?
  /// The merge ranks, nil when the block is not merged.
  package var merged: MergeRanks?
}

/// A whole network as a variant builds it: every layer's factorization (docs/methods.md "Numerics": vanilla LRD of a
/// model; paper §2), with the counts the paper reports.
///
/// Layer count is the paper's: weight layers on the main path (stem, every factor of the bottleneck
/// convolutions, every factor of fc), downsample shortcuts excluded. Parameters include batch norm
/// (γ and β); FLOPs are 2 × multiply-adds of every convolution and linear factor, per image.
package struct NetworkPlan: Codable, Sendable, Equatable {
  /// The original network's layers.
  package var catalog: ModelCatalog
  /// Which variant this plan builds.
  package var variant: NetworkVariant
  /// Compression ratio α of `lrd` (and of the layers `optimized` does not name).
  package var ratio: Double
  /// The stem 7×7 convolution (always original).
  package var stem: PlannedLayer
  /// Every bottleneck, in execution order.
  package var blocks: [PlannedBlock]
  package var fc: PlannedLayer

  /// Builds the plan of `variant` over `catalog`.
  ///
  /// `optimizedRanks` maps layer names to their chosen factorization (`.original` for ORG) and is required
  /// for `optimized:DIR`; a bottleneck layer, downsample or fc it does not name is an error naming the layer.
  package init(
    catalog: ModelCatalog, variant: NetworkVariant, ratio: Double = 2,
    optimizedRanks: [String: Factorization]? = nil, backends: [String: GEMMBackend]? = nil
  ) throws(ProgramError) {
    self.catalog = catalog
    self.variant = variant
    self.ratio = ratio
    guard RankSelection.isValidRatio(ratio) else {
      throw ProgramError.setting(
        .ratio,
        "must be greater than 1 and at most \(Int(RankSelection.maximumRatio)) (parameters ÷ α), got \(ratio)"
      )
    }
    if case .optimized(let directory) = variant.ranks, optimizedRanks == nil {
      throw .ranks("optimized:\(directory): no ranks were loaded")
    }
    func base(_ layer: LayerSpec) throws(ProgramError) -> Factorization {
      switch variant.ranks {
      case .original:
        return .original
      case .alpha:
        do {
          return try RankSelection.factorization(for: layer, ratio: ratio)
        } catch {
          throw .invalidRequest("\(layer.name): \(error)")
        }
      case .optimized(let directory):
        guard let chosen = optimizedRanks?[layer.name] else {
          throw .ranks(
            "optimized:\(directory) has no rank for \(layer.name) (\(layer.shapeDescription)); "
              + "run lrd-bench ranks over every layer of \(catalog.model) (unfiltered) and pass that directory"
          )
        }
        return chosen
      }
    }
    func branch(_ f: Factorization, _ layer: LayerSpec) throws(ProgramError) -> Factorization {
      let n = variant.branches
      guard n > 1, case .tucker2(let r1, let r2) = f else { return f }
      let (b1, b2) = (r1 / n * n, r2 / n * n)
      guard b1 >= n, b2 >= n else {
        throw .invalidRequest(
          "branched:\(n) leaves no rank for \(layer.name) (r1 = \(r1), r2 = \(r2)); use at most \(min(r1, r2)) branches"
        )
      }
      return .branched(r1: b1, r2: b2, branches: n)
    }
    func planned(_ layer: LayerSpec) throws(ProgramError) -> PlannedLayer {
      let f = try branch(try base(layer), layer)
      do {
        try f.validate(for: layer)
      } catch {
        throw .ranks("\(layer.name): \(error)")
      }
      let count = f.factorShapes(of: layer).count
      let frozen = variant.frozen ? FrozenFactors.paper.indices(factorCount: count).sorted() : []
      return PlannedLayer(layer: layer, factorization: f, frozen: frozen, backend: backends?[layer.name])
    }
    var byName: [String: LayerSpec] = [:]
    for layer in catalog.layers { byName[layer.name] = layer }
    guard let stemLayer = catalog.layers.first(where: { $0.role == .stem }),
      let fcLayer = catalog.layers.first(where: { $0.role == .classifier })
    else { throw .invalidRequest("the catalog has no stem or classifier") }
    stem = PlannedLayer(layer: stemLayer, factorization: .original, backend: backends?[stemLayer.name])
    fc = try planned(fcLayer)
    var blocks: [PlannedBlock] = []
    for (stage, count) in catalog.blocks.enumerated() {
      for index in 0..<count {
        let name = "layer\(stage + 1).\(index)"
        let convs = (1...3).map { byName["\(name).conv\($0)"]! }
        let downsample = try byName["\(name).downsample.0"].map { (layer) throws(ProgramError) in
          try planned(layer)
        }
        if variant.merged {
          blocks.append(
            try Self.mergedBlock(name, convs, downsample, core: try planned(convs[1]), backends: backends))
        } else {
          var main: [PlannedLayer] = []
          for conv in convs { main.append(try planned(conv)) }
          blocks.append(PlannedBlock(name: name, main: main, downsample: downsample, merged: nil))
        }
      }
    }
    self.blocks = blocks
  }

  /// A merged bottleneck from conv2's planned factorization (ORG keeps the whole block original).
  static func mergedBlock(
    _ name: String, _ convs: [LayerSpec], _ downsample: PlannedLayer?, core: PlannedLayer,
    backends: [String: GEMMBackend]?
  ) throws(ProgramError) -> PlannedBlock {
    let ranks: MergeRanks
    switch core.factorization {
    case .tucker2(let r1, let r2): ranks = MergeRanks(r1: r1, r2: r2, branches: 1)
    case .branched(let r1, let r2, let n): ranks = MergeRanks(r1: r1, r2: r2, branches: n)
    default:
      return PlannedBlock(
        name: name,
        main: convs.map { PlannedLayer(layer: $0, factorization: .original, backend: backends?[$0.name]) },
        downsample: downsample, merged: nil)
    }
    let shapes = MergedBottleneck.shapes(
      conv1: convs[0], conv2: convs[1], conv3: convs[2], r1: ranks.r1, r2: ranks.r2, branches: ranks.branches)
    // conv1', the core and conv3' run on the backend of the layer each comes from.
    return PlannedBlock(
      name: name,
      main: zip(shapes, convs).map {
        PlannedLayer(layer: $0, factorization: .original, backend: backends?[$1.name])
      },
      downsample: downsample, merged: ranks)
  }

  /// Every weight layer in execution order (stem, each block's main path then downsample, fc).
  package var layers: [PlannedLayer] {
    [stem] + blocks.flatMap { $0.main + ($0.downsample.map { [$0] } ?? []) } + [fc]
  }

  /// Weight layers on the main path, counted as the paper counts them (every factor; no downsample).
  package var layerCount: Int {
    stem.cost.layerCount + blocks.reduce(0) { $0 + $1.main.reduce(0) { $0 + $1.cost.layerCount } }
      + fc.cost.layerCount
  }

  /// Channels of every batch norm (stem, three per block, one per downsample).
  package var batchNormChannels: [Int] {
    [stem.outChannels]
      + blocks.flatMap { $0.main.map(\.outChannels) + ($0.downsample.map { [$0.outChannels] } ?? []) }
  }

  /// Parameters: every factor's weights and bias plus batch norm's γ and β.
  package var parameterCount: Int {
    layers.reduce(0) { $0 + $1.cost.parameters } + 2 * batchNormChannels.reduce(0, +)
  }

  /// Multiply-adds of every convolution and linear factor for one image.
  package var macsPerImage: Int { layers.reduce(0) { $0 + $1.cost.macsPerImage } }

  /// FLOPs for one image (2 × multiply-adds).
  package var flopsPerImage: Int { 2 * macsPerImage }

  /// Bottlenecks whose conv2 was kept original (optimized ORG).
  package var originalBlocks: [String] {
    blocks.filter { $0.main[1].factorization == .original && $0.merged == nil }.map(\.name)
  }
}
