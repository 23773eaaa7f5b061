import CAllocationCounter
import Foundation
import Machine
import Networks
import Profiling
import Programs
import Results
import Support
import Testing

@testable import Harness

func temporaryDirectory(_ name: String) -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent(
    "lrd-bench-tests-\(name)-\(UUID().uuidString)"
  ).path
}

/// A sweep small enough for the test suite: layer1.0.conv1 (64→64 1×1) at batch 1, ranks 4 → 2 and
/// the anchor 5.
func tinyPlan(threads: [ThreadConfig], confirmBudget: Double = 0.05) -> SweepPlan {
  SweepPlan(
    model: .resnet50, layer: "layer1.0.conv1", ratio: 2, from: 4, to: 2, step: 1, anchor: 5, batch: 1,
    threadConfigs: threads, mode: .inference, frozen: .none, policies: RankPolicy.allCases,
    sampler: SamplerConfiguration(budgetSeconds: 0.05, minimumSamples: 6, warmupSeconds: 0.005),
    events: ["perf::TASK-CLOCK"], referenceEvery: 2, confirmBudget: confirmBudget)
}

/// Collects events (and can react to them) from any thread.
final class EventLog: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [HarnessEvent] = []
  let onEvent: (HarnessEvent, Int) -> Void

  init(onEvent: @escaping (HarnessEvent, Int) -> Void = { _, _ in }) { self.onEvent = onEvent }

  var sink: EventSink {
    { [self] event in
      let count = lock.withLock {
        list.append(event)
        return list.count
      }
      onEvent(event, count)
    }
  }

  var events: [HarnessEvent] { lock.withLock { list } }
  var measuredSteps: Int {
    events.filter {
      if case .step(let step) = $0, step.seconds != nil { return true }
      return false
    }.count
  }
}

@Suite("Sweeps end to end", .serialized)
struct SweepTests {
  @Test func scheduleVisitsEveryRankOncePerPassInSeededRandomOrder() {
    var plan = tinyPlan(threads: [ThreadConfig(threads: 1, binding: .compact)])
    plan.passes = 3
    let tasks = SweepTask.schedule(plan)
    let ids = tasks.map(\.id)
    #expect(ids.first == "1t-compact/reference/0" && ids.last?.contains("/reference/") == true)
    var orders: [[Int]] = []
    for pass in 0..<3 {
      let visited = tasks.compactMap { task -> Int? in
        switch task.kind {
        case .rank(let r, let p) where p == pass, .anchor(let r, let p) where p == pass: return r
        default: return nil
        }
      }
      #expect(visited.sorted() == [2, 3, 4, 5], "pass \(pass) visits every rank and the anchor once")
      orders.append(visited)
    }
    #expect(orders.contains { $0 != [5, 4, 3, 2] }, "the order is not simply descending: \(orders)")
    // The original is measured alone after every 2 ranks (referenceEvery) and at the end.
    let between = ids.split { $0.contains("/reference/") }.map(\.count)
    #expect(between.allSatisfy { $0 <= 2 } && ids.filter { $0.contains("/reference/") }.count == 7)
    // The same seed gives the same order; another seed another one.
    #expect(SweepTask.schedule(plan).map(\.id) == ids)
    plan.orderSeed = 2
    #expect(SweepTask.schedule(plan).map(\.id) != ids)
    #expect(Set(SweepTask.schedule(plan).map(\.id)) == Set(ids))
  }

  @Test func tinySweepRunsInterruptsAndResumes() throws {
    Interruption.reset()
    defer { Interruption.reset() }
    let topology = try Topology()
    let plan = tinyPlan(threads: ThreadConfig.defaults(cores: topology.summary.coreCount))
    let path = temporaryDirectory("sweep")
    defer { try? FileManager.default.removeItem(atPath: path) }

    // Interrupt after three measured points, as Ctrl-C would.
    var partial: SweepResult
    do {
      let directory = try RunDirectory.create(
        at: path, kind: "sweep", name: "t", planFile: "plan.json", plan: plan)
      let log = EventLog { event, _ in
        if case .step(let step) = event, step.seconds != nil, step.name.hasSuffix("rank/4") {
          Interruption.request()
        }
      }
      partial = try SweepRunner(plan: plan, directory: directory, topology: topology, events: log.sink).run()
    }
    #expect(partial.interrupted)
    let journaled = try RunDirectory.resume(path, kind: "sweep", planFile: "plan.json", as: SweepPlan.self)
      .directory.journal(SweepJournalEntry.self).entries
    #expect(journaled.count == 3)

    // Resume: only the missing points are measured; every task ends up in the journal once.
    Interruption.reset()
    let (directory, saved) = try RunDirectory.resume(
      path, kind: "sweep", planFile: "plan.json", as: SweepPlan.self)
    #expect(saved == plan)
    let log = EventLog()
    let result = try SweepRunner(plan: saved, directory: directory, topology: topology, events: log.sink)
      .run()
    let tasks = SweepTask.schedule(plan)
    #expect(!result.interrupted)
    let entries = try directory.journal(SweepJournalEntry.self).entries
    let measurementIDs = entries.map(\.task.id).filter { !$0.contains("/confirm/") }
    #expect(Set(measurementIDs) == Set(tasks.map(\.id)) && measurementIDs.count == tasks.count)
    #expect(log.measuredSteps == entries.count - 3)
    for config in result.configs {
      #expect(config.ranks.map { $0.spec.factorization } == [.svd(rank: 4), .svd(rank: 3), .svd(rank: 2)])
      #expect(config.anchor?.spec.factorization == .svd(rank: 5) && config.anchorTiming != nil)
      #expect(config.references.count == 3 && config.timings.count == 3)
      #expect(config.decisions.map(\.policy) == RankPolicy.allCases)
      #expect(config.binding.verified)
      for decision in config.decisions
      where decision.choice.rank != nil || decision.check == .revokedToOriginal {
        #expect(
          decision.check != .notRun && decision.check != .interrupted, "\(decision.policy): \(decision.check)"
        )
      }
      for point in config.ranks { #expect(point.comparison != nil && point.pairedReference != nil) }
    }
    // Resuming again measures nothing and reaches the same decisions (confirmations are journaled).
    let again = try SweepRunner(
      plan: saved, directory: directory, topology: topology, events: EventLog().sink
    ).run()
    #expect(again.configs.map(\.decisions) == result.configs.map(\.decisions))
  }

  @Test func interruptionDuringTheChecksNeverBecomesADecision() throws {
    Interruption.reset()
    defer { Interruption.reset() }
    let topology = try Topology()
    let plan = tinyPlan(threads: [ThreadConfig(threads: 1, binding: .compact)], confirmBudget: 0.2)
    let path = temporaryDirectory("checks")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try RunDirectory.create(
      at: path, kind: "sweep", name: "t", planFile: "plan.json", plan: plan)
    let log = EventLog { event, _ in
      if case .phase(let label, _) = event, label.hasSuffix("checks") { Interruption.request() }
    }
    let result = try SweepRunner(plan: plan, directory: directory, topology: topology, events: log.sink).run()
    #expect(result.interrupted)
    let decided = result.configs[0].decisions.filter { $0.choice.rank != nil }
    #expect(!decided.isEmpty)
    for decision in decided {
      #expect(decision.check == .interrupted && decision.confirmation == nil, "\(decision.policy)")
      #expect(decision.rejected.isEmpty)
    }
  }

  @Test("a step beyond the layer's full rank is a setting error, not an arithmetic overflow")
  func hugeStepIsRefused() throws {
    let fc = try ModelCatalog(.resnet50).layer(named: "fc")
    for anchor in [false, true] {
      #expect(throws: HarnessError.self) {
        try SweepPlan.resolveRanks(layer: fc, ratio: 2, from: 10, to: 9, step: Int.max, anchor: anchor)
      }
    }
  }

  @Test("a branch count given twice is refused before anything is measured, in branches and table plans")
  func duplicateBranchCountsAreRefused() throws {
    let plan = BranchesPlan(
      model: .resnet50, layer: "layer4.2.conv2", branches: [1, 1, 1], ratio: 2, batch: 1, mode: .inference,
      threads: ThreadConfig(threads: 1, binding: .compact), sampler: SamplerConfiguration(), events: [])
    #expect(throws: HarnessError.self) { try plan.validate(cores: 2) }
    let table = TablePlan(
      models: [.resnet50], techniques: [.branched], branches: [2, 4, 2], ratio: 2, policy: .robust, batch: 1,
      threads: ThreadConfig(threads: 1, binding: .compact), inference: SamplerConfiguration(),
      training: SamplerConfiguration(), ranksFrom: [:], ranksPerLayer: nil,
      ranksSampler: SamplerConfiguration(),
      events: [])
    #expect(throws: HarnessError.self) { try table.validate(cores: 2) }
  }

  @Test(
    "a resumed plan's every field is checked as the command line checks it",
    arguments: [
      "events BOGUS", "events twice", "maximumSamples 1", "minimumSamples 0", "warmupSeconds 1e9",
    ])
  func resumedPlanFieldsAreValidated(edit: String) throws {
    var plan = tinyPlan(threads: [ThreadConfig(threads: 1, binding: .compact)])
    try plan.validate(cores: 2)
    switch edit {
    case "events BOGUS": plan.events = ["BOGUS"]
    case "events twice": plan.events = ["perf::TASK-CLOCK", "perf::task-clock"]
    case "maximumSamples 1": plan.sampler.maximumSamples = 1
    case "minimumSamples 0": plan.sampler.minimumSamples = 0
    default: plan.sampler.warmupSeconds = 1e9
    }
    #expect(throws: (any Error).self, "\(edit)") { try plan.validate(cores: 2) }
  }

  @Test func rankDefaultsAndRanges() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer4.2.conv2")
    let ranks = try SweepPlan.resolveRanks(layer: layer, ratio: 2, from: nil, to: nil, step: 1)
    #expect(ranks.from == 309 && ranks.to == 155 && ranks.anchor == nil, "no anchor unless paper+anchor runs")
    let anchored = try SweepPlan.resolveRanks(
      layer: layer, ratio: 2, from: nil, to: nil, step: 1, anchor: true)
    #expect(anchored.anchor == 310)
    let full = try SweepPlan.resolveRanks(layer: layer, ratio: 2, from: 512, to: 500, step: 1, anchor: true)
    #expect(full.anchor == nil)
    for (from, to, step) in [(100, 200, 1), (513, 300, 1), (10, 0, 1), (10, 5, 0)] {
      #expect(throws: HarnessError.self) {
        try SweepPlan.resolveRanks(layer: layer, ratio: 2, from: from, to: to, step: step)
      }
    }
  }

  @Test func aResumedPlanIsValidatedLikeCommandLineOptions() throws {
    let good = tinyPlan(threads: [ThreadConfig(threads: 1, binding: .compact)])
    try good.validate(cores: 2)
    var zeroStep = good
    zeroStep.step = 0
    var hugeBudget = good
    hugeBudget.sampler.budgetSeconds = 1e300
    var infiniteCheck = good
    infiniteCheck.confirmBudget = .infinity
    var tooManyThreads = good
    tooManyThreads.threadConfigs = [ThreadConfig(threads: 64, binding: .compact)]
    var badFrozen = good
    badFrozen.frozen = .indices([2])
    let expected: [(SweepPlan, Setting)] = [
      (zeroStep, .step), (hugeBudget, .budget), (infiniteCheck, .confirmBudget), (tooManyThreads, .threads),
      (badFrozen, .frozen),
    ]
    for (bad, setting) in expected {
      let error = #expect(throws: (any Error).self) { try bad.validate(cores: 2) }
      switch error {
      case HarnessError.invalidSetting(let invalid)?, SamplerError.invalidSetting(let invalid)?:
        #expect(invalid.setting == setting, "\(invalid)")
      case ThreadConfigError.tooManyThreads(let requested, let cores)?:
        #expect(setting == .threads && requested == 64 && cores == 2)
      default:
        Issue.record("\(setting): unexpected \(String(describing: error))")
      }
    }
  }
}

@Suite("Memory estimates")
struct MemoryEstimateTests {
  @Test func memoryEstimateRefusesAbsurdBatches() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer4.2.conv2")
    let bytes = MemoryEstimate.layerProgram(layer, .original, batch: 100_000_000, mode: .inference)
    #expect(bytes > 1e13)
    #expect(throws: HarnessError.self) { try MemoryEstimate.check(bytes, for: "test", reduce: .batch) }
    // A real program's buffers are within the estimate.
    let small = MemoryEstimate.layerProgram(layer, .tucker2(r1: 309, r2: 309), batch: 8, mode: .training)
    #expect(small > 1e6 && small < 1e9)
  }
}
