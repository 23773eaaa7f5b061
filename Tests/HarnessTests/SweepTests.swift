import CAllocationCounter
import Decomposition
import Foundation
import Harness
import Networks
import Profiling
import Tensors
import Testing

func temporaryDirectory(_ name: String) -> String {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent(
    "lrd-bench-tests-\(name)-\(UUID().uuidString)"
  ).path
  return path
}

/// A sweep small enough for the test suite: layer1.0.conv1 (64→64 1×1) at batch 1, ranks 4 → 2.
func tinyPlan(threads: [ThreadConfig]) -> SweepPlan {
  SweepPlan(
    model: .resnet50, layer: "layer1.0.conv1", ratio: 2, from: 4, to: 2, step: 1, batch: 1,
    threadConfigs: threads,
    mode: .inference, frozen: .none, policies: RankPolicy.allCases,
    sampler: SamplerConfiguration(budgetSeconds: 0.05, minimumSamples: 6, warmupSeconds: 0.005),
    events: ["perf::TASK-CLOCK", "NO_SUCH_EVENT"], referenceEvery: 2, confirmBudget: 0.05)
}

@Suite("Sweeps end to end", .serialized)
struct SweepTests {
  @Test func scheduleReMeasuresTheOriginal() {
    let plan = tinyPlan(threads: [ThreadConfig(threads: 1, binding: .compact)])
    let tasks = SweepTask.schedule(plan).map(\.id)
    #expect(
      tasks == [
        "1t-compact/reference/0", "1t-compact/rank/4", "1t-compact/rank/3", "1t-compact/reference/1",
        "1t-compact/rank/2",
        "1t-compact/reference/2",
      ])
  }

  @Test func tinySweepRunsInterruptsAndResumes() throws {
    Interruption.reset()
    defer { Interruption.reset() }
    let topology = try Topology()
    let plan = tinyPlan(threads: ThreadConfig.defaults(cores: topology.summary.coreCount))
    let path = temporaryDirectory("sweep")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try ResultDirectory(path: path)

    // Interrupt after three points, as Ctrl-C would.
    let first = SweepRunner(plan: plan, directory: directory, topology: topology)
    first.showProgress = false
    first.onPoint = { count in if count == 3 { Interruption.request() } }
    let partial = try first.run()
    #expect(partial.interrupted)
    #expect(try directory.readJournal(SweepJournalEntry.self).count == 3)

    // Resume: only the missing points are measured; every task ends up in the journal once.
    Interruption.reset()
    let second = SweepRunner(plan: plan, directory: try ResultDirectory(path: path), topology: topology)
    second.showProgress = false
    var measuredOnResume = 0
    second.onPoint = { measuredOnResume = $0 }
    let result = try second.run()
    let tasks = SweepTask.schedule(plan)
    #expect(!result.interrupted)
    #expect(measuredOnResume == tasks.count - 3)
    let journal = try directory.readJournal(SweepJournalEntry.self)
    #expect(Set(journal.map(\.task.id)) == Set(tasks.map(\.id)) && journal.count == tasks.count)

    for config in result.configs {
      #expect(config.ranks.map { $0.spec.factorization } == [.svd(rank: 4), .svd(rank: 3), .svd(rank: 2)])
      #expect(config.references.count == 3)
      #expect(config.timings.count == 3)
      #expect(config.decisions.map(\.policy) == RankPolicy.allCases)
      #expect(config.binding.verified)
      for point in config.ranks + config.references {
        let counters = point.measurement.counters
        #expect(counters.count == 2)
        #expect(counters[1].availability.isAvailable == false && counters[1].availability.reason != nil)
      }
    }
    // Reports can be written for it.
    try directory.write(try JSONCoding.encoder.encode(result), to: "sweep.json")
    let decoded = try directory.read(SweepResult.self, from: "sweep.json")
    #expect(decoded == result)
  }

  @Test func unwritableOutputFailsBeforeMeasuring() {
    #expect(throws: HarnessError.self) { try ResultDirectory(path: "/proc/lrd-bench-cannot-write-here") }
  }

  @Test func atomicWritesReplaceFiles() throws {
    let path = temporaryDirectory("atomic")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try ResultDirectory(path: path)
    try directory.write("first", to: "a.txt")
    try directory.write("second", to: "a.txt")
    #expect(try String(contentsOfFile: path + "/a.txt", encoding: .utf8) == "second")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }

  @Test func rankDefaultsAndRanges() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer4.2.conv2")
    let ranks = try SweepPlan.resolveRanks(layer: layer, ratio: 2, from: nil, to: nil, step: 1)
    #expect(ranks.from == 309 && ranks.to == 155)
    #expect(throws: HarnessError.self) {
      try SweepPlan.resolveRanks(layer: layer, ratio: 2, from: 100, to: 200, step: 1)
    }
    #expect(throws: HarnessError.self) {
      try SweepPlan.resolveRanks(layer: layer, ratio: 2, from: 513, to: nil, step: 1)
    }
    #expect(throws: HarnessError.self) {
      try SweepPlan.resolveRanks(layer: layer, ratio: 2, from: 10, to: 0, step: 1)
    }
  }
}

@Suite("Layer programs", .serialized)
struct LayerProgramTests {
  @Test("training steps do not allocate", arguments: ["svd:8", "tucker2:8,8", "branched:8,8,2"])
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
    #expect(lrd_alloc_thread_stop() == 0)
    #expect(program.output.isFinite)
  }

  @Test func frozenFactorsSkipWeightGradients() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer1.0.conv2")
    let decomposed = try LayerDecomposer(layer: layer, seed: 3).decompose(.tucker2(r1: 8, r2: 8))
    let trained = try LayerProgram(decomposed, batch: 1, mode: .training)
    let frozen = try LayerProgram(decomposed, batch: 1, mode: .training, frozen: .paper)
    let inference = try LayerProgram(decomposed, batch: 1, mode: .inference)
    let forward = inference.flopsPerCall
    #expect(trained.flopsPerCall == 3 * forward)
    #expect(frozen.frozen == [0, 2])
    #expect(frozen.flopsPerCall < trained.flopsPerCall)
    #expect(throws: HarnessError.self) {
      try LayerProgram(decomposed, batch: 1, mode: .training, frozen: .indices([5]))
    }
    #expect(try FrozenFactors(parsing: "0,2") == .indices([0, 2]))
    #expect(throws: HarnessError.self) { try FrozenFactors(parsing: "first") }
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
