import Decomposition
import Foundation
import Machine
import Networks
import Results
import Statistics
import Testing

@testable import Harness
@testable import Profiling

/// Sweeps decided from journaled measurements only: the executor measures what its journal lacks, so a journal
/// that holds every point makes the decisions (and the robust policy's checks) deterministic, with no timing.
@Suite("Robust policy: checks and fallback, deterministically")
struct RobustFallbackTests {
  let config = ThreadConfig(threads: 1, binding: .compact)

  /// A measurement whose samples are `samples`.
  func measurement(_ samples: [Double]) -> PointMeasurement {
    PointMeasurement(
      samples: samples, callsPerSample: 1, warmupCalls: 0, warmupSeconds: 0,
      statistics: SampleStatistics(samples), stopReason: .budget, reachedTarget: true, elapsedSeconds: 0,
      timedSeconds: samples.reduce(0, +), cache: .warm, counters: [],
      usage: ProcessUsage(pageFaultsPerCall: 0, contextSwitchesPerCall: 0, cpuSecondsPerCall: 0))
  }

  /// Runs a sweep of `plan` whose journal already holds every rank at `ratios[rank]` × the original's time
  /// (each paired with the original) and every confirmation at `checks[rank]` ×.
  func decide(_ plan: SweepPlan, ratios: [Int: Double], checks: [Int: Double]) throws -> (
    SweepResult, EventLog
  ) {
    let path = temporaryDirectory("fallback")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try RunDirectory.create(
      at: path, kind: SweepStudy.kind, name: "fallback", planFile: SweepStudy.planFile, plan: plan)
    let layer = try ModelCatalog(plan.model).layer(named: plan.layer)
    let specs = SweepPointSpecs(plan: plan, layer: layer)
    // The original: 1 ms with ±0.2% spread; a paired point is the original × its ratio, sample by sample.
    let original = (0..<24).map { 1e-3 * (1 + 0.001 * Double($0 % 5 - 2)) }
    func result(_ task: SweepTask, ratio: Double?, sequence: Int) -> PointResult {
      let spec = specs.point(task)
      let samples = ratio.map { r in original.map { $0 * r } } ?? original
      return PointResult(
        spec: spec, sequence: sequence, cost: FactorizationCost(layer, spec.factorization), flopsPerCall: 1,
        relativeError: 0, measurement: measurement(samples),
        pairedReference: ratio == nil ? nil : measurement(original),
        comparison: ratio.map { _ in PairedComparison(baseline: original, candidate: samples) })
    }
    do {
      let journal = try directory.journal(SweepJournalEntry.self)
      var tasks = SweepTask.schedule(plan)
      tasks += checks.keys.sorted().map { SweepTask(config: config, kind: .confirmation($0)) }
      for (sequence, task) in tasks.enumerated() {
        let ratio: Double? =
          switch task.kind {
          case .reference: nil
          case .rank(let r, _), .anchor(let r, _): ratios[r] ?? 1
          case .confirmation(let r): checks[r] ?? 1
          }
        try journal.append(
          SweepJournalEntry(task: task, result: result(task, ratio: ratio, sequence: sequence)))
      }
    }
    let log = EventLog()
    let sweep = try SweepRunner(plan: plan, directory: directory, topology: try Topology(), events: log.sink)
      .run()
    return (sweep, log)
  }

  func plan() -> SweepPlan {
    var plan = tinyPlan(threads: [config], confirmBudget: 0.05)
    plan.policies = [.robust]
    return plan
  }

  @Test("every check finds the candidate slower: robust tries its next candidates, then keeps the original")
  func checksFailingFallBackToTheOriginal() throws {
    // Ranks 3 and 2 are twice as fast (tied best), 4 a little slower than that; the anchor 5 is not faster.
    let (sweep, log) = try decide(
      plan(), ratios: [5: 1.02, 4: 0.6, 3: 0.5, 2: 0.5], checks: [4: 1.1, 3: 1.1, 2: 1.1])
    #expect(log.measuredSteps == 0, "a journaled sweep measures nothing")
    let decision = try #require(sweep.configs.first?.decisions.first { $0.policy == .robust })
    #expect(decision.choice.rank == nil, "\(decision.choice)")
    #expect(decision.check == .revokedToOriginal)
    // The largest of the tied best first, then the next tied one, then the next fastest: three candidates
    // (the most a decision tries), each rejected by its check.
    #expect(decision.rejected.map(\.rank) == [3, 2, 4])
    #expect(decision.rejected.allSatisfy { abs($0.comparison.ratio - 1.1) < 1e-9 })
  }

  @Test("a failed first check falls back to the next candidate, whose check confirms it")
  func aFailedCheckFallsBackToTheNextCandidate() throws {
    let (sweep, _) = try decide(plan(), ratios: [5: 1.02, 4: 0.6, 3: 0.5, 2: 0.5], checks: [3: 1.1, 2: 0.5])
    let decision = try #require(sweep.configs.first?.decisions.first { $0.policy == .robust })
    #expect(decision.choice.rank == 2 && decision.check == .confirmed, "\(decision.choice) \(decision.check)")
    #expect(decision.rejected.map(\.rank) == [3])
  }

  @Test("a confirmed first choice stands")
  func aConfirmedChoiceStands() throws {
    let (sweep, _) = try decide(plan(), ratios: [5: 1.02, 4: 0.6, 3: 0.5, 2: 0.5], checks: [3: 0.5])
    let decision = try #require(sweep.configs.first?.decisions.first { $0.policy == .robust })
    #expect(decision.choice.rank == 3 && decision.check == .confirmed && decision.rejected.isEmpty)
  }
}
