import CAllocationCounter
import Decomposition
import Networks
import Programs
import Tensors
import Testing

@Suite("Layer programs", .serialized)
struct LayerProgramTests {
  @Test(
    "training steps do not allocate",
    .enabled(
      if: BLAS.backend == .openblas,
      "OpenBLAS backend (BLIS 0.9 mallocs its thread communicators inside every bli_sgemm call, oneDNN 2.6 allocates inside every dnnl_primitive_execute; their points report allocations per call)"
    ),
    arguments: ["svd:8", "tucker2:8,8", "branched:8,8,2"])
  func trainingDoesNotAllocate(text: String) throws {
    let threads = BLAS.threads
    BLAS.setThreads(1)
    defer { BLAS.setThreads(threads) }
    let factorization = try Factorization(parsing: text)
    let layerName = factorization.family == "svd" ? "layer1.0.conv1" : "layer1.0.conv2"
    let layer = try ModelCatalog(.resnet50).layer(named: layerName)
    let decomposed = try LayerDecomposer(layer: layer, seed: 3).decompose(factorization)
    let program = try LayerProgram(decomposed, batch: 1, mode: .training, frozen: .paper)
    program.run()
    lrd_alloc_thread_start()
    for _ in 0..<2 { program.run() }
    let allocations = lrd_alloc_thread_stop()
    #expect(
      allocations == 0,
      "\(allocations) allocations; \(BLAS.allocationProfile.summary); threads \(BLAS.threads)")
    #expect(program.output.isFinite)
  }

  @Test func frozenFactorsAreNotTrainedButPassGradients() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer1.0.conv2")
    let decomposed = try LayerDecomposer(layer: layer, seed: 3).decompose(.tucker2(r1: 8, r2: 8))
    let frozen = try LayerProgram(decomposed, batch: 1, mode: .training, frozen: .paper)
    let before = frozen.kernels.map { $0.weight.scalars }
    for _ in 0..<3 { frozen.run() }
    // The paper's frozen factors (first and last 1×1) keep their weights bit for bit and never get a
    // weight gradient; the core is trained; the input gradient still flows through every factor.
    for index in [0, 2] {
      #expect(frozen.kernels[index].weight.scalars == before[index], "factor \(index) changed")
      #expect(frozen.kernels[index].weightGradient.scalars.allSatisfy { $0 == 0 })
    }
    #expect(frozen.kernels[1].weight.scalars != before[1], "the core was not trained")
    #expect(frozen.gradients[0].scalars.contains { $0 != 0 }, "no gradient reached the layer input")
    #expect(throws: ProgramError.self) {
      try LayerProgram(decomposed, batch: 1, mode: .training, frozen: .indices([5]))
    }
    #expect(try FrozenFactors(parsing: "0,2") == .indices([0, 2]))
    #expect(throws: ProgramError.self) { try FrozenFactors(parsing: "first") }
  }

  @Test func decomposedProgramComputesTheReconstructedLayer() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer1.0.conv2")
    let decomposer = try LayerDecomposer(layer: layer, seed: 4)
    let program = try LayerProgram(
      try decomposer.decompose(.tucker2(r1: 64, r2: 64)), batch: 1, mode: .inference)
    let original = try LayerProgram(try decomposer.decompose(.original), batch: 1, mode: .inference)
    program.run()
    original.run()
    // Full rank: the Tucker-2 factors reproduce the original layer (same seeded input).
    #expect(program.output.relativeError(to: original.output) < 1e-4)
  }
}
