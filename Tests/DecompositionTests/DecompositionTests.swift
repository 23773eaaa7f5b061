import Decomposition
import Kernels
import Networks
import Support
import Tensors
import Testing

/// Runs factor layers back to back on `x` (batch taken from x).
func run(_ factors: [FactorLayer], on x: Tensor) throws -> Tensor {
  var current = x
  for factor in factors {
    let conv = try Conv2D(factor.spec.geometry(batch: x.shape[0]), weight: factor.weight, bias: factor.bias)
    let y = Tensor(zeros: conv.geometry.outputShape)
    conv.forward(current, into: y)
    current = y
  }
  return current
}

func conv(_ name: String, _ cin: Int, _ cout: Int, k: Int = 1, stride: Int = 1, size: Int = 6) -> LayerSpec {
  LayerSpec(
    name: name, kind: .convolution, role: k == 1 ? .reduce : .spatial, inChannels: cin, outChannels: cout,
    kernel: k, stride: stride, padding: k / 2, inputHeight: size, inputWidth: size)
}

@Suite("SVD and Tucker-2")
struct DecompositionTests {
  @Test("SVD reconstructs at full rank", arguments: [(8, 8), (12, 5), (5, 12)])
  func svdFullRank(cin: Int, cout: Int) throws {
    let decomposer = try LayerDecomposer(layer: conv("l", cin, cout), seed: 7)
    let svd = try decomposer.svd()
    #expect(svd.reconstruction(rank: min(cin, cout)).relativeError(to: decomposer.weight) < 1e-5)
  }

  @Test("truncated SVD error is Eckart–Young", arguments: [1, 3, 6])
  func eckartYoung(rank: Int) throws {
    let decomposer = try LayerDecomposer(layer: conv("l", 10, 8), seed: 8)
    let decomposed = try decomposer.decompose(.svd(rank: rank))
    let predicted = try decomposer.svd().truncationError(rank: rank)
    #expect(abs(decomposed.relativeError - predicted) < 1e-4, "\(decomposed.relativeError) vs \(predicted)")
    #expect(predicted > 0)
  }

  @Test("Tucker-2 reconstructs at full rank", arguments: [(6, 6), (4, 10), (10, 4)])
  func tuckerFullRank(cin: Int, cout: Int) throws {
    let decomposer = try LayerDecomposer(layer: conv("l", cin, cout, k: 3), seed: 9)
    let decomposed = try decomposer.decompose(.tucker2(r1: cin, r2: cout))
    #expect(decomposed.relativeError < 1e-5)
  }

  @Test(
    "a non-square kernel (1×7, 3×1): Tucker-2 reconstructs at full rank and its factors compute the reconstruction",
    arguments: [(1, 7), (3, 1)])
  func nonSquareKernel(kh: Int, kw: Int) throws {
    var layer = conv("l", 6, 5, k: kh, size: 9)
    layer.shape.kernelWidth = kw
    layer.shape.padding = 0
    let decomposer = try LayerDecomposer(layer: layer, seed: 13)
    #expect(decomposer.weight.shape == [kh, kw, 6, 5])
    #expect(try decomposer.decompose(.tucker2(r1: 6, r2: 5)).relativeError < 1e-5)
    let decomposed = try decomposer.decompose(.tucker2(r1: 3, r2: 2))
    #expect(decomposed.factors[1].spec.shape.weightShape == [kh, kw, 3, 2])
    var rng = SplitMix64(seed: 14)
    let x = Tensor(normal: [2, 9, 9, 6], using: &rng)
    let reconstructed = try decomposer.tucker2().reconstruction(r1: 3, r2: 2)
    let reference = try run([FactorLayer(spec: layer, weight: reconstructed)], on: x)
    #expect(try run(decomposed.factors, on: x).relativeError(to: reference) < 1e-4)
    let ranks = try RankSelection.factorization(for: layer, ratio: 2)
    #expect(FactorizationCost(layer, ranks).parameters * 2 <= layer.parameterCount + 2 * 6, "\(ranks)")
  }

  @Test func branchedWithOneBranchIsTucker2() throws {
    let decomposer = try LayerDecomposer(layer: conv("l", 8, 8, k: 3), seed: 10)
    let tucker = try decomposer.decompose(.tucker2(r1: 6, r2: 4))
    let branched = try decomposer.decompose(.branched(r1: 6, r2: 4, branches: 1))
    for (a, b) in zip(tucker.factors, branched.factors) {
      #expect(a.weight.scalars == b.weight.scalars)
    }
    #expect(tucker.relativeError == branched.relativeError)
  }

  @Test(
    "decomposed layer equals the original run with reconstructed weights",
    arguments: [Factorization.svd(rank: 3), .tucker2(r1: 5, r2: 4), .branched(r1: 6, r2: 4, branches: 2)])
  func decomposedOutputMatchesReconstruction(factorization: Factorization) throws {
    let layer = factorization.family == "svd" ? conv("l", 8, 6, stride: 2) : conv("l", 8, 6, k: 3, stride: 2)
    let decomposer = try LayerDecomposer(layer: layer, seed: 11)
    let decomposed = try decomposer.decompose(factorization)
    var rng = SplitMix64(seed: 12)
    let x = Tensor(normal: [2, 6, 6, 8], using: &rng)
    let y = try run(decomposed.factors, on: x)
    let reconstructed: Tensor
    switch factorization {
    case .svd(let r): reconstructed = try decomposer.svd().reconstruction(rank: r)
    case .tucker2(let r1, let r2): reconstructed = try decomposer.tucker2().reconstruction(r1: r1, r2: r2)
    case .branched(let r1, let r2, let n):
      reconstructed = try decomposer.tucker2().reconstruction(r1: r1, r2: r2, branches: n)
    case .original: reconstructed = decomposer.weight
    }
    let reference = try run([FactorLayer(spec: layer, weight: reconstructed)], on: x)
    #expect(y.relativeError(to: reference) < 1e-4)
    #expect(decomposed.factors.count == (factorization.family == "svd" ? 2 : 3))
  }

  @Test func mergedBlockEqualsLinearMapsWithoutReLU() throws {
    let cin = 8
    let width = 4
    let c1 = conv("b.conv1", cin, width)
    let c2 = conv("b.conv2", width, width, k: 3, stride: 2)
    var c3 = conv("b.conv3", width, 4 * width, size: 3)
    c3.shape.inputHeight = c2.outputHeight
    c3.shape.inputWidth = c2.outputWidth
    let d1 = try LayerDecomposer(layer: c1, seed: 13)
    let d2 = try LayerDecomposer(layer: c2, seed: 14)
    let d3 = try LayerDecomposer(layer: c3, seed: 15)
    var rng = SplitMix64(seed: 16)
    let x = Tensor(normal: [2, 6, 6, cin], using: &rng)
    for (r1, r2, n) in [(width, width, 1), (3, 2, 1), (4, 2, 2)] {
      let merged = try MergedBottleneck(
        conv1: (c1, d1.weight), conv2: d2, conv3: (c3, d3.weight), r1: r1, r2: r2, branches: n)
      let y = try run(merged.layers, on: x)
      // Branched: the core is grouped, and the reference conv2' keeps only the diagonal core blocks.
      let conv2Prime = try d2.tucker2().reconstruction(r1: r1, r2: r2, branches: n)
      let reference = try run(
        [
          FactorLayer(spec: c1, weight: d1.weight), FactorLayer(spec: c2, weight: conv2Prime),
          FactorLayer(spec: c3, weight: d3.weight),
        ], on: x)
      #expect(y.relativeError(to: reference) < 1e-4, "r = \(r1),\(r2), \(n) branches")
      #expect(merged.layers.map(\.spec.outChannels) == [r1, r2, 4 * width])
      #expect(merged.core.spec.groups == n)
    }
  }
}

@Suite("Ranks for a compression ratio")
struct RankTests {
  /// Paper Table 2 (ResNet-152) at α = 2.
  @Test(
    "paper Table 2 ranks",
    arguments: [
      ("layer1.0.conv1", 16), ("layer1.0.conv2", 38), ("layer1.0.conv3", 25), ("layer4.2.conv1", 204),
      ("layer4.2.conv2", 309), ("layer4.2.conv3", 204), ("fc", 335),
    ])
  func table2(name: String, rank: Int) throws {
    let layer = try ModelCatalog(.resnet152).layer(named: name)
    let f = try RankSelection.factorization(for: layer, ratio: 2)
    #expect(f.primaryRank == rank)
    if case .tucker2(let r1, let r2) = f { #expect(r1 == r2) }  // β = 1 for square 3×3 layers
  }

  @Test func ranksHalveParametersApproximately() throws {
    for layer in ModelCatalog(.resnet50).layers where layer.role != .stem {
      let f = try RankSelection.factorization(for: layer, ratio: 2)
      let ratio = Double(FactorizationCost(layer, f).parameters) / Double(layer.parameterCount)
      #expect(ratio <= 0.5 + 1e-9 && ratio > 0.45, "\(layer.name): \(ratio)")
    }
  }

  @Test func tuckerPartnerRankUsesBeta() {
    // β = max(0.8·256/64, 1) = 3.2 → r2 = ⌊3.2·10⌋ = 32.
    #expect(RankSelection.tucker2PartnerRank(r1: 10, inChannels: 64, outChannels: 256, kernel: 3) == 32)
  }

  @Test func costOfFactorizations() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer4.2.conv2")
    let cost = FactorizationCost(layer, .tucker2(r1: 309, r2: 309))
    #expect(cost.parameters == 512 * 309 * 2 + 9 * 309 * 309)
    #expect(cost.macsPerImage == 49 * (512 * 309 + 9 * 309 * 309 + 309 * 512))
    let branched = FactorizationCost(layer, .branched(r1: 308, r2: 308, branches: 4))
    #expect(branched.parameters == 512 * 308 * 2 + 9 * 308 * 308 / 4)
  }
}

@Suite("Bad input to decompositions")
struct DecompositionErrorTests {
  let conv3x3 = conv("layer.conv2", 8, 8, k: 3)
  let conv1x1 = conv("layer.conv1", 8, 6)

  @Test func rankZeroAndTooLarge() throws {
    let d = try LayerDecomposer(layer: conv1x1, seed: 1)
    #expect(throws: DecompositionError.rankOutOfRange(layer: "layer.conv1", rank: 0, valid: 1...6)) {
      try d.decompose(.svd(rank: 0))
    }
    #expect(throws: DecompositionError.rankOutOfRange(layer: "layer.conv1", rank: 7, valid: 1...6)) {
      try d.decompose(.svd(rank: 7))
    }
  }

  @Test func wrongFamilyNamesTheValidForms() throws {
    let d = try LayerDecomposer(layer: conv3x3, seed: 1)
    do {
      _ = try d.decompose(.svd(rank: 2))
      Issue.record("svd on a 3×3 layer was accepted")
    } catch {
      #expect(error.description.contains("tucker2:R1,R2"))
    }
  }

  @Test func compressionRatioMustExceedOne() {
    #expect(throws: DecompositionError.badCompressionRatio(1)) {
      try RankSelection.svdRank(inChannels: 4, outChannels: 4, ratio: 1)
    }
    #expect(throws: DecompositionError.badCompressionRatio(0.5)) {
      try RankSelection.tucker2Ranks(inChannels: 4, outChannels: 4, kernel: 3, ratio: 0.5)
    }
  }

  @Test func branchesMustDivideRanks() throws {
    let d = try LayerDecomposer(layer: conv3x3, seed: 1)
    #expect(throws: DecompositionError.branchesDoNotDivide(r1: 6, r2: 5, branches: 2)) {
      try d.decompose(.branched(r1: 6, r2: 5, branches: 2))
    }
  }

  @Test func nonFiniteWeightsAreRejected() {
    let w = Tensor(zeros: [1, 1, 8, 6])
    w[flat: 3] = .nan
    #expect(throws: DecompositionError.self) { try LayerDecomposer(layer: conv1x1, weight: w) }
    #expect(throws: NumericsError.nonFinite(what: "matrix")) { try LAPACK.svd([1, .infinity], m: 1, n: 2) }
  }

  @Test("factorizations parse", arguments: ["original", "svd:12", "tucker2:30,31", "branched:32,32,4"])
  func parses(text: String) throws {
    #expect(try Factorization(parsing: text).description == text)
  }

  @Test(
    "malformed factorizations are rejected",
    arguments: ["svd", "svd:x", "tucker2:3", "foo:1", "branched:1,2"])
  func rejects(text: String) {
    #expect(throws: DecompositionError.unparsable(text)) { try Factorization(parsing: text) }
  }
}
