import Decomposition
import Networks
import Programs
import Testing

@Suite("Network variants and plans")
struct NetworkVariantTests {
  @Test(
    "variant syntax",
    arguments: [
      ("original", "original"), ("lrd", "lrd"), ("frozen", "frozen"), ("merged", "merged"),
      ("branched:4", "branched:4"), ("merged+branched:4", "merged+branched:4"),
      ("lrd+frozen", "frozen"), ("optimized:results/r+frozen", "optimized:results/r+frozen"),
      ("branched:4 + merged", "merged+branched:4"),
    ])
  func parses(text: String, canonical: String) throws {
    #expect(try NetworkVariant(parsing: text).description == canonical)
  }

  @Test(
    "impossible variants are errors naming the problem",
    arguments: [
      ("original+frozen", "combines with nothing"), ("original+lrd", "combines with nothing"),
      ("lrd+original", "combines with nothing"), ("original+optimized:x", "combines with nothing"),
      ("frozen+merged", "do not combine"),
      ("lrd+optimized:x", "both choose the ranks"), ("merged+merged", "appears twice"),
      ("branched:0", "at least 1"), ("branched", "branch count"), ("optimized", "ranks directory"),
      ("mreged", "did you mean merged"), ("", "unknown part"),
    ])
  func rejects(text: String, message: String) {
    #expect {
      try NetworkVariant(parsing: text)
    } throws: { error in
      "\(error)".contains(message)
    }
  }

  @Test(
    "layer counts, parameters and FLOPs of the ResNets",
    arguments: [
      (ResNetModel.resnet50, 50, 115, 25_557_032), (.resnet101, 101, 234, 44_549_160),
      (.resnet152, 152, 353, 60_192_808),
    ])
  func counts(model: ResNetModel, layers: Int, lrdLayers: Int, parameters: Int) throws {
    let catalog = ModelCatalog(model)
    let original = try NetworkPlan(catalog: catalog, variant: .original)
    #expect(original.layerCount == layers)
    #expect(original.parameterCount == parameters)
    #expect(original.parameterCount == catalog.parameterCount)
    #expect(original.flopsPerImage == catalog.flopsPerImage)
    let lrd = try NetworkPlan(catalog: catalog, variant: .lrd)
    #expect(lrd.layerCount == lrdLayers)
    // Vanilla LRD halves every decomposed layer's parameters (the stem and batch norms stay).
    let change = Double(lrd.parameterCount) / Double(original.parameterCount) - 1
    #expect(change < -0.45 && change > -0.52, "Δparams \(change)")
    let merged = try NetworkPlan(catalog: catalog, variant: try NetworkVariant(parsing: "merged"))
    // Merged blocks have three layers, as the original ones; fc is SVD-decomposed as in vanilla LRD
    // (the definition), which adds one layer to the paper's count (50/101/152).
    #expect(merged.layerCount == layers + 1)
    #expect(merged.parameterCount < lrd.parameterCount)
    #expect(merged.blocks.allSatisfy { $0.merged != nil })
    // The stem is never decomposed.
    #expect(lrd.stem.factorization == .original)
  }

  @Test func branchesRoundRanksDown() throws {
    let catalog = ModelCatalog(.resnet50)
    let plan = try NetworkPlan(catalog: catalog, variant: try NetworkVariant(parsing: "branched:16"))
    let conv2 = plan.blocks.last!.main[1]
    // layer4 conv2 at α = 2 is tucker2:309,309 → 304 = ⌊309/16⌋·16.
    #expect(conv2.factorization == .branched(r1: 304, r2: 304, branches: 16))
    #expect(throws: ProgramError.self) {
      try NetworkPlan(catalog: catalog, variant: try NetworkVariant(parsing: "branched:4096"))
    }
  }

  @Test func optimizedRanksNeedEveryLayer() throws {
    let catalog = ModelCatalog(.resnet50)
    let variant = try NetworkVariant(parsing: "optimized:somewhere")
    var ranks: [String: Factorization] = [:]
    for layer in catalog.layers where layer.role != .stem { ranks[layer.name] = .original }
    let allOriginal = try NetworkPlan(catalog: catalog, variant: variant, optimizedRanks: ranks)
    #expect(allOriginal.parameterCount == catalog.parameterCount)
    #expect(allOriginal.originalBlocks.count == 16)
    ranks["layer3.2.conv2"] = nil
    #expect {
      try NetworkPlan(catalog: catalog, variant: variant, optimizedRanks: ranks)
    } throws: { error in
      "\(error)".contains("layer3.2.conv2")
    }
    ranks["layer3.2.conv2"] = .svd(rank: 4)
    #expect(throws: ProgramError.self) {
      try NetworkPlan(catalog: catalog, variant: variant, optimizedRanks: ranks)
    }
  }
}

/// External anchors for the network counts: torchvision's published figures for its ResNets at 224×224.
///
/// Its model documentation lists 25,557,032 / 44,549,160 / 60,192,808 parameters and 4.09 / 7.80 / 11.51
/// "GFLOPS", which are multiply-adds of the convolution and linear layers). lrd-bench's FLOPs are 2 per
/// multiply-add, so its figures are twice those.
@Suite("Network counts against torchvision's published figures")
struct ExternalCountTests {
  @Test(
    "parameters exactly, multiply-adds to torchvision's two decimals",
    arguments: [
      (ResNetModel.resnet50, 25_557_032, 4.09), (.resnet101, 44_549_160, 7.80),
      (.resnet152, 60_192_808, 11.51),
    ])
  func originalNetworks(model: ResNetModel, parameters: Int, gigaMACs: Double) throws {
    let plan = try NetworkPlan(catalog: ModelCatalog(model), variant: .original)
    #expect(plan.parameterCount == parameters)
    let macs = Double(plan.flopsPerImage) / 2 / 1e9
    #expect(abs(macs - gigaMACs) < 0.005, "\(model): \(macs) GMAC per image")
  }
}
