import Foundation
import Harness
import Machine
import Profiling
import Programs
import Results
import Statistics
import Store
import Support

/// How one stored case ended: the record, and the reference check when the suite gives one for the
/// machine's label.
package struct CaseOutcome: Codable, Sendable, Equatable {
  /// The case's stored name.
  package var name: String
  /// What was stored for it.
  package var record: PointRecord
  /// The reference check, nil when the suite gives no reference for this machine's label.
  package var reference: ReferenceCheck?
  /// The slowdown injected into this case (test knob; 0 normally).
  package var injectedSlowdown: Double
}

/// A reference checked against a measured value.
package struct ReferenceCheck: Codable, Sendable, Equatable {
  /// The machine label whose reference applied (or `*`).
  package var label: String
  package var reference: Reference
  /// The measured value in the reference's unit.
  package var value: Double
  /// True when the value lies within the reference's bounds.
  package var passed: Bool
}

/// What `lrd-bench run` did.
package struct SuiteRunResult: Codable, Sendable {
  /// The schema string of `run --format json`.
  package static let schemaVersion = "lrd-bench/run@1"
  /// The schema of this result.
  package var schema = SuiteRunResult.schemaVersion
  package var run: RunRecord
  package var suite: String
  /// Every case measured, in order.
  package var outcomes: [CaseOutcome]
  /// True when the run was interrupted (it stays incomplete in the store).
  package var interrupted: Bool
  /// Cases of the suite this shard did not run.
  package var skippedByShard: Int
  package var store: String
  /// The machine label references were looked up under.
  package var machineLabel: String
  /// Wall time of the run, in seconds.
  package var elapsedSeconds: Double

  /// Cases whose reference check failed.
  package var failedReferences: [CaseOutcome] { outcomes.filter { $0.reference?.passed == false } }
}

/// Runs a suite's cases in order, storing each point (all raw samples) as soon as it is measured.
package final class SuiteRunner {
  let suite: Suite
  let cases: [SuiteCase]
  let store: ResultStore
  let topology: Topology
  let events: EventSink
  let machineLabel: String
  /// The test knobs in force (an injected slowdown).
  let knobs: TestKnobs
  private let measurer: CaseMeasurer

  /// A runner for the `cases` of `suite` (a shard's, or all), storing into `store`; `machineLabel`
  /// picks the references (falling back to `*`).
  package init(
    suite: Suite, cases: [SuiteCase], store: ResultStore, topology: Topology, machineLabel: String,
    knobs: TestKnobs = .current, events: @escaping EventSink
  ) {
    self.suite = suite
    self.knobs = knobs
    self.cases = cases
    self.store = store
    self.topology = topology
    self.machineLabel = machineLabel
    self.events = events
    measurer = CaseMeasurer(topology: topology)
  }

  /// Validates every case before anything is measured: layers, factorizations, variants (optimized
  /// directories read), memory.
  package func validate() throws {
    for item in cases { try measurer.validate(item) }
  }

  /// Measures every case in `rounds` passes over the suite (each with 1/rounds of its budget), so each
  /// point's samples spread over the whole run and show its slow drifts, not one moment's state; a point is
  /// stored (replacing its previous record) after every round, so an interrupted run keeps what it measured.
  ///
  /// The run is marked complete unless interrupted.
  package func run(label: String?, shard: String?, skipped: Int, rounds: Int = 2) throws -> SuiteRunResult {
    let start = MonotonicClock.now()
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let key = MachineKey.make(topology: topology.summary, cpu: CPUFeatures.current)
    var run = try store.beginRun(
      RunRecord(
        suite: suite.name, suiteDigest: suite.digest, label: label, machineKey: key,
        startedAt: ResultStore.now(),
        commit: fingerprint.gitCommit, build: MachineFingerprint.buildConfiguration, shard: shard,
        fingerprint: String(decoding: try JSONCoding.compactEncoder.encode(fingerprint), as: UTF8.self)))
    let passes = max(rounds, 1)
    events(.phase(label: "\(suite.name) (run #\(run.id))", steps: cases.count * passes))
    var outcomes: [CaseOutcome?] = Array(repeating: nil, count: cases.count)
    var pooled: [[Double]] = Array(repeating: [], count: cases.count)
    var interrupted = false
    rounds: for round in 0..<passes {
      for (index, item) in cases.enumerated() {
        if Interruption.isRequested {
          interrupted = true
          break rounds
        }
        let slowdown = knobs.slowdownFraction(for: item.name)
        let binding = try topology.apply(item.threads)
        if !binding.verified {
          events(.warning("binding \(item.threads) could not be verified for \(item.name)"))
        }
        var sampler = item.sampler
        sampler.budgetSeconds = item.point.budget / Double(passes)
        let (measurement, batch, spec) = try measurer.measure(
          item, sampler: sampler, binding: binding, sequence: round * cases.count + index, slowdown: slowdown)
        if measurement.stopReason == .interrupted {
          interrupted = true
          break rounds
        }
        pooled[index] += measurement.samples
        let statistics = SampleStatistics(pooled[index])
        let reached = statistics.relativeHalfWidth <= item.point.ci
        let record = PointRecord(
          name: item.name, spec: spec, samples: pooled[index], callsPerSample: measurement.callsPerSample,
          median: statistics.median, ciLow: statistics.medianCI.lower, ciHigh: statistics.medianCI.upper,
          cv: statistics.cv,
          stopReason: Self.stopReason(pooledReached: reached, lastRound: measurement.stopReason),
          reachedTarget: reached,
          counters: String(
            decoding: try JSONCoding.compactEncoder.encode(measurement.counters), as: UTF8.self))
        try store.addPoint(record, to: run.id)
        outcomes[index] = CaseOutcome(
          name: item.name, record: record, reference: check(item, median: record.median, batch: batch),
          injectedSlowdown: slowdown)
        events(
          .step(
            .init(
              name: item.name + (passes > 1 ? " (round \(round + 1)/\(passes))" : ""),
              detail: .timing(median: record.median, relativeHalfWidth: statistics.relativeHalfWidth),
              seconds: measurement.elapsedSeconds)))
      }
    }
    try store.finishRun(run.id, complete: !interrupted)
    run = try store.resolve("\(run.id)", machine: nil)
    return SuiteRunResult(
      run: run, suite: suite.name, outcomes: outcomes.compactMap { $0 }, interrupted: interrupted,
      skippedByShard: skipped, store: store.path, machineLabel: machineLabel,
      elapsedSeconds: MonotonicClock.seconds(since: start))
  }

  /// The reference for this machine's label (or `*`) checked against the median.
  func check(_ item: SuiteCase, median: Double, batch: Int) -> ReferenceCheck? {
    let label = item.point.references[machineLabel] != nil ? machineLabel : "*"
    guard let reference = item.point.references[label] else { return nil }
    let value = reference.value(secondsPerCall: median, batch: batch)
    return ReferenceCheck(label: label, reference: reference, value: value, passed: reference.accepts(value))
  }

  /// The stop reason stored for a pooled point: "target" when the pooled samples reach the CI
  /// target; "rounds-disagree" when the last round reached it on its own but the pooled samples do
  /// not (the rounds' levels differ); otherwise the last round's reason ("budget", "max-samples").
  static func stopReason(pooledReached: Bool, lastRound: StopReason) -> String {
    if pooledReached { return "target" }
    return lastRound == .confidenceReached ? "rounds-disagree" : lastRound.rawValue
  }
}
