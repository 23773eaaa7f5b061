import Foundation
import Harness
import Machine
import Profiling
import Results
import Statistics
import Store
import Support

#if canImport(Glibc)
  import Glibc
#endif

/// One side of an A/B run: the executable, the extra environment of its workers, the arguments after
/// `worker`.
package struct ABBuild: Sendable, Equatable {
  package var path: String
  /// `NAME=VALUE` set for this build's workers only.
  package var environment: [String]
  /// Arguments after `worker` (BLAS core, backend).
  package var arguments: [String]

  package init(path: String, environment: [String] = [], arguments: [String] = []) {
    self.path = path
    self.environment = environment
    self.arguments = arguments
  }

  var environmentDictionary: [String: String] {
    Dictionary(
      environment.map { entry in
        let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
        return (parts[0], parts.count == 2 ? parts[1] : "")
      }, uniquingKeysWith: { _, b in b })
  }
}

/// Settings of an A/B run.
package struct ABSettings: Sendable, Equatable {
  /// Rounds; in each, every case is measured once per build.
  package var rounds: Int
  /// The verdict threshold, as a fraction.
  package var threshold: Double
  /// The false-discovery rate over the suite's points.
  package var alpha: Double
  /// Each build spends `budgetScale` × the point's budget on it over the whole run.
  package var budgetScale: Double
  /// Seeds which build starts each point's first round.
  package var seed: Int64
  /// Worker processes per build over the run: each build's worker is replaced by a fresh process every
  /// ⌈rounds ÷ processes⌉ rounds, and in the rounds between, asked to build its programs anew (new buffers):
  /// effects fixed for a process's or a buffer's lifetime (where it landed in memory) then vary between rounds
  /// and are covered by the CI instead of biasing every round alike.
  package var processes: Int
  /// 1-thread cases measure both builds at the same time on two different cores (duet benchmarking) instead
  /// of one after the other.
  package var duet: Bool

  /// Settings; the defaults are the nightly's.
  package init(
    rounds: Int = 16, threshold: Double = 0.03, alpha: Double = 0.05, budgetScale: Double = 1, seed: Int64,
    processes: Int = 2, duet: Bool = false
  ) {
    self.duet = duet
    self.processes = max(1, processes)
    self.rounds = rounds
    self.threshold = threshold
    self.alpha = alpha
    self.budgetScale = budgetScale
    self.seed = seed
  }
}

/// Runs a suite on two builds interleaved in rounds, each build in its own worker process, storing every
/// round's samples as soon as they are measured.
///
/// Round j measures every case once per build; a case's two measurements run back to back, in the order
/// AB, BA, AB, … over rounds (ABBA), starting with A or B at random per case (seeded). Each round measures
/// programs built anew (`renew`), and the workers are fresh processes every ⌈rounds ÷ processes⌉ rounds. A
/// worker that crashes or hangs is restarted once per case; a second failure marks the case failed and the
/// run goes on.
package final class ABRunner {
  let suite: Suite
  let suitePath: String
  let cases: [SuiteCase]
  let builds: [ABMeasurementRecord.Side: ABBuild]
  let settings: ABSettings
  let store: ResultStore
  let events: EventSink
  let logDirectory: String
  let topology: Topology
  private var workers: [ABMeasurementRecord.Side: WorkerProcess] = [:]

  /// A runner of `cases` (the controller's expansion of `suite`, read from `suitePath`) on `base` and `new`;
  /// workers' stderr goes to `logDirectory`.
  package init(
    suite: Suite, suitePath: String, cases: [SuiteCase], base: ABBuild, new: ABBuild, settings: ABSettings,
    store: ResultStore, topology: Topology, logDirectory: String, events: @escaping EventSink
  ) {
    self.topology = topology
    self.suite = suite
    self.suitePath = URL(fileURLWithPath: suitePath).standardizedFileURL.path
    self.cases = cases
    builds = [.base: base, .new: new]
    self.settings = settings
    self.store = store
    self.logDirectory = logDirectory
    self.events = events
  }

  deinit {
    for worker in workers.values { worker.stop() }
  }

  /// Starts both workers and asks each for the suite's cases; identities and case names per side.
  func startWorkers() throws -> [ABMeasurementRecord.Side: (BuildIdentity, [String])] {
    signal(SIGPIPE, SIG_IGN)
    try? FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
    var found: [ABMeasurementRecord.Side: (BuildIdentity, [String])] = [:]
    for side in ABMeasurementRecord.Side.allCases {
      let build = builds[side]!
      let worker = WorkerProcess(
        path: build.path, arguments: ["worker"] + build.arguments, environment: build.environmentDictionary,
        logPath: "\(logDirectory)/worker-\(side.rawValue).log")
      try worker.start()
      workers[side] = worker
      let names = try askCases(worker)
      let hello = worker.hello
      found[side] = (
        BuildIdentity(
          path: build.path, version: hello.version ?? "?", commit: hello.commit ?? "?",
          build: hello.build ?? "?",
          environment: build.environment), names
      )
    }
    return found
  }

  func askCases(_ worker: WorkerProcess) throws -> [String] {
    let reply = try worker.ask(WorkerRequest(type: "cases", suite: suitePath), timeout: 300)
    guard reply.type == "cases", let names = reply.names else {
      throw ABError.workerFailed(
        path: worker.path, detail: "it cannot use the suite \(suitePath): \(reply.message ?? reply.type)")
    }
    return names
  }

  /// Measures the suite (or continues `resuming`), then compares the builds over rounds.
  package func run(label: String?, resuming: ABRunRecord? = nil) throws -> ABResult {
    let start = MonotonicClock.now()
    let found = try startWorkers()
    let (baseIdentity, baseNames) = found[.base]!
    let (newIdentity, newNames) = found[.new]!
    let common = cases.filter { baseNames.contains($0.name) && newNames.contains($0.name) }
    guard !common.isEmpty else { throw ABError.nothingInCommon(suite: suitePath) }
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    var run: ABRunRecord
    var done: [ABMeasurementRecord] = []
    if let resuming {
      run = resuming
      done = try store.abMeasurements(of: run.id)
    } else {
      let key = MachineKey.make(topology: topology.summary, cpu: CPUFeatures.current)
      run = try store.beginABRun(
        ABRunRecord(
          suite: suite.name, suiteDigest: suite.digest, label: label, machineKey: key,
          startedAt: ResultStore.now(), base: try JSONCoding.compactString(baseIdentity),
          new: try JSONCoding.compactString(newIdentity), rounds: settings.rounds,
          threshold: settings.threshold,
          seed: settings.seed, fingerprint: try JSONCoding.compactString(fingerprint)))
    }
    var measured = Set(done.filter { $0.error == nil }.map { "\($0.name)|\($0.side.rawValue)|\($0.round)" })
    var failed = Dictionary(
      done.compactMap { m in m.error.map { (m.name, $0) } }, uniquingKeysWith: { a, _ in a })
    var restarted: Set<String> = []
    var firstMeasurement = Set<String>()
    let total = common.count * settings.rounds * 2
    events(.phase(label: "\(suite.name) A/B (ab#\(run.id), \(settings.rounds) rounds)", steps: total))
    if !measured.isEmpty { events(.resumed(measured: measured.count, of: total)) }
    var interrupted = false
    var generator = SplitMix64(seed: UInt64(bitPattern: run.seed))
    let starts = common.map { _ in generator.next() & 1 }
    let roundsPerProcess = max(1, (run.rounds + settings.processes - 1) / settings.processes)
    rounds: for round in 0..<run.rounds {
      if round > 0 && round % roundsPerProcess == 0 {
        for worker in workers.values {
          try worker.restart()
          _ = try askCases(worker)
        }
        firstMeasurement.removeAll()
      } else if round > 0 {
        for worker in workers.values { _ = try? worker.ask(WorkerRequest(type: "renew"), timeout: 60) }
        firstMeasurement.removeAll()
      }
      for (index, item) in common.enumerated() {
        let order: [ABMeasurementRecord.Side] =
          (Int(starts[index]) + round) % 2 == 0 ? [.base, .new] : [.new, .base]
        let budget = item.point.budget * settings.budgetScale / Double(run.rounds)
        let pending = order.filter { !measured.contains("\(item.name)|\($0.rawValue)|\(round)") }
        if settings.duet && item.threads.threads == 1 && topology.summary.cores.count >= 2
          && failed[item.name] == nil && pending.count == 2 && !Interruption.isRequested
        {
          // Duet: both builds at once, on two different cores (swapped every round).
          let began = MonotonicClock.now()
          let cores: [ABMeasurementRecord.Side: Int] =
            round % 2 == 0 ? [.base: 0, .new: 1] : [.base: 1, .new: 0]
          let firstTime = pending.contains { !firstMeasurement.contains("\(item.name)|\($0.rawValue)") }
          if let records = duet(
            item.name, budget: budget, sequence: round * common.count + index, round: round, cores: cores,
            timeout: (firstTime ? 300 : 60) + 10 * budget)
          {
            for record in records {
              try store.addABMeasurement(record, to: run.id)
              measured.insert("\(item.name)|\(record.side.rawValue)|\(round)")
              firstMeasurement.insert("\(item.name)|\(record.side.rawValue)")
            }
            events(
              .step(
                .init(
                  name: "\(item.name) duet (round \(round + 1)/\(run.rounds))", detail: .none,
                  seconds: MonotonicClock.seconds(since: began))))
            continue
          }
          // A failed duet: both workers were restarted; measure this round one build after the other.
        }
        for side in order {
          if Interruption.isRequested {
            interrupted = true
            break rounds
          }
          let key = "\(item.name)|\(side.rawValue)|\(round)"
          guard failed[item.name] == nil, !measured.contains(key) else { continue }
          let isFirst = !firstMeasurement.contains("\(item.name)|\(side.rawValue)")
          firstMeasurement.insert("\(item.name)|\(side.rawValue)")
          let request = WorkerRequest(
            type: "measure", name: item.name, budget: budget, sequence: round * common.count + index)
          let timeout = (isFirst ? 300 : 60) + 10 * budget
          let began = MonotonicClock.now()
          var record: ABMeasurementRecord
          do {
            record = try measure(request, side: side, round: round, timeout: timeout, restarted: &restarted)
          } catch {
            if case ABError.notAWorker = error { throw error }
            if case ABError.protocolMismatch = error { throw error }
            record = ABMeasurementRecord(
              name: item.name, side: side, round: round, samples: [], callsPerSample: 0, injected: 0,
              error: "\(error)")
          }
          if Interruption.isRequested && record.error != nil {
            interrupted = true
            break rounds
          }
          try store.addABMeasurement(record, to: run.id)
          if let error = record.error {
            failed[item.name] = error
            events(.warning("\(item.name) failed on the \(side.rawValue) build: \(error)"))
          } else {
            measured.insert(key)
          }
          let median = record.samples.isEmpty ? 0 : Estimators.median(record.samples)
          events(
            .step(
              .init(
                name: "\(item.name) \(side.rawValue) (round \(round + 1)/\(run.rounds))",
                detail: record.samples.isEmpty ? .none : .timing(median: median, relativeHalfWidth: 0),
                seconds: MonotonicClock.seconds(since: began))))
        }
      }
    }
    for worker in workers.values { worker.stop() }
    try store.finishABRun(run.id, complete: !interrupted)
    run = try store.resolveAB("\(run.id)")
    var result = try Self.compare(
      run: run, measurements: try store.abMeasurements(of: run.id), cases: common,
      alpha: settings.alpha)
    result.base = baseIdentity
    result.new = newIdentity
    result.onlyBase = baseNames.filter { !newNames.contains($0) }
    result.onlyNew = newNames.filter { !baseNames.contains($0) }
    result.interrupted = interrupted
    result.store = store.path
    result.elapsedSeconds = MonotonicClock.seconds(since: start)
    return result
  }

  /// Counts instructions of every 1-thread layer case on both builds (`InstructionGate`), the two builds at
  /// once, after the timed rounds (valgrind would disturb them), and stores each case's counts with A/B run
  /// `run` as it is counted.
  package func countInstructions(directory: String, run: Int64) throws -> [InstructionGate.Comparison] {
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let eligible = InstructionGate.eligible(cases)
    events(.phase(label: "instruction counts (callgrind, AVX2 path)", steps: eligible.count))
    var result: [InstructionGate.Comparison] = []
    for item in eligible {
      if Interruption.isRequested { break }
      let began = MonotonicClock.now()
      let counts = try InstructionGate.count(
        item.name, suite: suitePath, builds: [("base", builds[.base]!), ("new", builds[.new]!)],
        directory: directory)
      result.append(InstructionGate.compare(name: item.name, base: counts[0], new: counts[1]))
      try store.addABInstructions(
        [ABInstructionRecord(name: item.name, base: counts[0].perCall, new: counts[1].perCall)], to: run)
      events(.step(.init(name: item.name, detail: .none, seconds: MonotonicClock.seconds(since: began))))
    }
    return result
  }

  /// Both builds measure `name` at the same time, `cores[side]` the first core of each; nil (both workers
  /// restarted) when either fails, so the caller can fall back to one build after the other.
  func duet(
    _ name: String, budget: Double, sequence: Int, round: Int, cores: [ABMeasurementRecord.Side: Int],
    timeout: Double
  ) -> [ABMeasurementRecord]? {
    let sides = ABMeasurementRecord.Side.allCases
    do {
      for side in sides {
        try workers[side]!.send(
          WorkerRequest(
            type: "measure", name: name, budget: budget, sequence: sequence, core: cores[side] ?? 0))
      }
      return try sides.map { side in
        try Self.record(
          workers[side]!.receive(timeout: timeout), name: name, side: side, round: round,
          path: workers[side]!.path)
      }
    } catch {
      events(.warning("duet measurement of \(name) failed (\(error)); measuring one build after the other"))
      for worker in workers.values {
        try? worker.restart()
        _ = try? askCases(worker)
      }
      return nil
    }
  }

  /// The measurement in a worker's reply to a `measure` request for `name`; an error reply, a reply for
  /// another case or samples that are not positive and finite throw `workerFailed` (the worker is alive).
  static func record(
    _ reply: WorkerReply, name: String, side: ABMeasurementRecord.Side, round: Int, path: String
  ) throws -> ABMeasurementRecord {
    guard reply.type == "samples", let samples = reply.samples, !samples.isEmpty else {
      throw ABError.workerFailed(path: path, detail: reply.message ?? "a '\(reply.type)' reply")
    }
    guard reply.name == name, samples.allSatisfy({ $0.isFinite && $0 > 0 }) else {
      throw ABError.workerFailed(
        path: path,
        detail: "a reply for '\(reply.name ?? "?")' with \(samples.count) samples to a request for '\(name)'")
    }
    return ABMeasurementRecord(
      name: name, side: side, round: round, samples: samples, callsPerSample: reply.callsPerSample ?? 1,
      injected: reply.injected ?? 0)
  }

  /// One measurement by `side`'s worker, restarting the worker once per case when it crashes or hangs.
  func measure(
    _ request: WorkerRequest, side: ABMeasurementRecord.Side, round: Int, timeout: Double,
    restarted: inout Set<String>
  ) throws -> ABMeasurementRecord {
    let worker = workers[side]!
    let name = request.name ?? ""
    let key = "\(name)|\(side.rawValue)"
    while true {
      let failure: ABError
      do {
        return try Self.record(
          worker.ask(request, timeout: timeout), name: name, side: side, round: round, path: worker.path)
      } catch let error as ABError {
        failure = error
      }
      guard worker.processIdentifier == 0 else { throw failure }
      // The worker died or hung (and was killed): it is needed for the other cases in any event.
      try worker.restart()
      _ = try askCases(worker)
      guard !restarted.contains(key) else { throw failure }
      restarted.insert(key)
      events(
        .warning("the \(side.rawValue) worker failed on \(name) (\(failure)); restarted it, measuring again"))
    }
  }

  /// The comparison of a stored A/B run over its rounds (used after a run and by `export`/`history`).
  package static func compare(
    run: ABRunRecord, measurements: [ABMeasurementRecord], cases: [SuiteCase]? = nil, alpha: Double = 0.05
  ) throws -> ABResult {
    var names: [String] = []
    for m in measurements where !names.contains(m.name) { names.append(m.name) }
    if let cases { names = cases.map(\.name).filter { names.contains($0) } }
    let threads = Dictionary(
      (cases ?? []).map { ($0.name, $0.threads.threads) }, uniquingKeysWith: { a, _ in a })
    var series: [(name: String, base: [[Double]], new: [[Double]])] = []
    var failures: [String: String] = [:]
    var injected: [String: Double] = [:]
    for name in names {
      var base = Array(repeating: [Double](), count: run.rounds)
      var new = base
      for m in measurements where m.name == name && m.round < run.rounds {
        if let error = m.error { failures[name] = failures[name] ?? "\(m.side.rawValue): \(error)" }
        if m.side == .base { base[m.round] = m.samples } else { new[m.round] = m.samples }
        if m.side == .new { injected[name] = m.injected }
      }
      series.append((name, base, new))
    }
    let compared = RoundStatistics.compare(
      series.filter { failures[$0.name] == nil }, threshold: run.threshold, alpha: alpha)
    var byName = Dictionary(compared.points.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let points = series.map { s -> ABPoint in
      let comparison =
        byName.removeValue(forKey: s.name)
        ?? RoundStatistics.point(name: s.name, logRatios: [], threshold: run.threshold)
      let medians = { (rounds: [[Double]]) -> Double in
        let m = rounds.filter { !$0.isEmpty }.map { Estimators.median($0) }
        return m.isEmpty ? .nan : Estimators.median(m)
      }
      return ABPoint(
        name: s.name, threads: threads[s.name] ?? Self.threads(fromName: s.name), comparison: comparison,
        baseMedian: medians(s.base), newMedian: medians(s.new), injected: injected[s.name] ?? 0,
        failure: failures[s.name])
    }
    let base = (try? JSONCoding.decoder.decode(BuildIdentity.self, from: Data(run.base.utf8)))
    let new = (try? JSONCoding.decoder.decode(BuildIdentity.self, from: Data(run.new.utf8)))
    let unknown = BuildIdentity(path: "?", version: "?", commit: "?", build: "?", environment: [])
    return ABResult(
      run: run, base: base ?? unknown, new: new ?? unknown, points: points,
      geometricMean: compared.geometricMean,
      onlyBase: [], onlyNew: [], roundsCompleted: compared.points.map(\.rounds).min() ?? 0,
      interrupted: run.status == .incomplete, store: "", elapsedSeconds: 0, instructions: nil)
  }

  /// "…/t2" → 2 (1 when the name has no thread suffix).
  static func threads(fromName name: String) -> Int {
    guard let last = name.split(separator: "/").last, last.hasPrefix("t"), let n = Int(last.dropFirst())
    else {
      return 1
    }
    return n
  }
}
