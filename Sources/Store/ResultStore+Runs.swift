import Foundation

extension ResultStore {
  static let runColumns =
    "id, suite, suite_digest, label, machine_key, started_at, finished_at, status, git_commit, build, shard, fingerprint"

  static func run(_ s: Statement) throws -> RunRecord {
    guard let status = RunRecord.Status(rawValue: s.text(7) ?? "") else {
      throw StoreError.invalid("corrupt run row \(s.int(0)): status '\(s.text(7) ?? "")'")
    }
    return RunRecord(
      id: s.int(0), suite: s.text(1) ?? "", suiteDigest: s.text(2) ?? "", label: s.text(3),
      machineKey: s.text(4) ?? "", startedAt: s.text(5) ?? "", finishedAt: s.text(6), status: status,
      commit: s.text(8) ?? "", build: s.text(9) ?? "", shard: s.text(10), fingerprint: s.text(11) ?? "{}")
  }

  /// Records a new run (status incomplete) and returns it with its id.
  package func beginRun(_ run: RunRecord) throws -> RunRecord {
    try database.transaction {
      try database.run(
        "INSERT INTO runs(suite, suite_digest, label, machine_key, started_at, status, git_commit, build, shard, "
          + "fingerprint) VALUES (?, ?, ?, ?, ?, 'incomplete', ?, ?, ?, ?)",
        [
          .text(run.suite), .text(run.suiteDigest), .optional(run.label), .text(run.machineKey),
          .text(run.startedAt), .text(run.commit), .text(run.build), .optional(run.shard),
          .text(run.fingerprint),
        ])
      var stored = run
      stored.id = database.lastInsertID
      return stored
    }
  }

  /// Stores one measured point of `run` (committed at once), replacing an earlier record of the
  /// same point in that run (a suite measured in rounds stores each point after every round).
  package func addPoint(_ point: PointRecord, to run: Int64) throws {
    let samples = String(decoding: try JSONEncoder().encode(point.samples), as: UTF8.self)
    try database.transaction {
      try database.run(
        "INSERT OR REPLACE INTO points(run_id, name, spec, samples, calls_per_sample, median, ci_low, ci_high, cv, stop_reason, "
          + "reached_target, counters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
          .integer(run), .text(point.name), .text(point.spec), .text(samples),
          .integer(Int64(point.callsPerSample)),
          .real(point.median), .real(point.ciLow), .real(point.ciHigh), .real(point.cv),
          .text(point.stopReason),
          .integer(point.reachedTarget ? 1 : 0), .text(point.counters),
        ])
    }
  }

  /// Marks a run complete (or leaves it incomplete) with its end time.
  package func finishRun(_ id: Int64, complete: Bool) throws {
    try database.transaction {
      try database.run(
        "UPDATE runs SET finished_at = ?, status = ? WHERE id = ?",
        [.text(Self.now()), .text(complete ? "complete" : "incomplete"), .integer(id)])
    }
  }

  /// Every run, oldest first (only `machine`'s when given).
  package func runs(machine: String? = nil) throws -> [RunRecord] {
    if let machine {
      return try database.query(
        "SELECT \(Self.runColumns) FROM runs WHERE machine_key = ? ORDER BY id", [.text(machine)],
        row: Self.run)
    }
    return try database.query("SELECT \(Self.runColumns) FROM runs ORDER BY id", row: Self.run)
  }

  /// The points of a run, in measurement order.
  package func points(of run: Int64) throws -> [PointRecord] {
    try database.query(
      "SELECT name, spec, samples, calls_per_sample, median, ci_low, ci_high, cv, stop_reason, reached_target, "
        + "counters, id FROM points WHERE run_id = ? ORDER BY id", [.integer(run)], row: Self.point)
  }

  static func point(_ s: Statement) throws -> PointRecord {
    let samples: [Double]
    do {
      samples = try JSONDecoder().decode([Double].self, from: Data((s.text(2) ?? "").utf8))
    } catch {
      throw StoreError.invalid(
        "corrupt point row \(s.int(11)) (\(s.text(0) ?? "?")): its samples are not a list of numbers")
    }
    return PointRecord(
      name: s.text(0) ?? "", spec: s.text(1) ?? "{}", samples: samples, callsPerSample: Int(s.int(3)),
      median: s.double(4), ciLow: s.double(5), ciHigh: s.double(6), cv: s.double(7),
      stopReason: s.text(8) ?? "",
      reachedTarget: s.int(9) != 0, counters: s.text(10) ?? "{}")
  }

  /// A run by id (`12`, `#12`) or name: `latest` / `previous` (the newest complete runs on `machine`),
  /// `baseline` (the machine's baseline), or a label (the newest run with it).
  package func resolve(_ name: String, machine: String?) throws -> RunRecord {
    let all = try runs()
    let known = Array(Set(all.compactMap(\.label))).sorted() + ["latest", "previous", "baseline", "<run id>"]
    let complete = all.filter { $0.status == .complete && (machine == nil || $0.machineKey == machine) }
    switch name.lowercased() {
    case "latest":
      guard let run = complete.last else { throw StoreError.unknownRun(name, known: known) }
      return run
    case "previous":
      guard complete.count >= 2 else { throw StoreError.unknownRun(name, known: known) }
      return complete[complete.count - 2]
    case "baseline":
      guard let machine else { throw StoreError.invalid("'baseline' needs a machine key") }
      return try baseline(machine: machine)
    default:
      let digits = name.hasPrefix("#") ? String(name.dropFirst()) : name
      if let id = Int64(digits), let run = all.first(where: { $0.id == id }) { return run }
      if let run = all.last(where: { $0.label == name }) { return run }
      throw StoreError.unknownRun(name, known: known)
    }
  }

  /// Checks a label for a new run (`ab` for an A/B run): it must be selectable later, so not empty, not a
  /// keyword (latest, previous, baseline), not shaped like a run id (12, #12, ab#12), and not already
  /// another run's label.
  package func checkNewLabel(_ label: String, ab: Bool = false) throws(StoreError) {
    let trimmed = label.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty, trimmed == label else {
      throw .invalid(
        "the label '\(label)' is empty or has surrounding spaces; give a word such as nightly-1204")
    }
    let lower = label.lowercased()
    guard !["latest", "previous", "baseline"].contains(lower) else {
      throw .invalid(
        "the label '\(label)' is a keyword (latest, previous, baseline) and could never be selected; choose another"
      )
    }
    var digits = lower
    for prefix in ["ab#", "ab", "#"] where digits.hasPrefix(prefix) {
      digits = String(digits.dropFirst(prefix.count))
      break
    }
    guard Int64(digits) == nil else {
      throw .invalid(
        "the label '\(label)' looks like a run id and could never be selected; choose one with a letter")
    }
    let holder: Int64?
    do {
      holder =
        ab
        ? try abRuns().last(where: { $0.label == label })?.id
        : try runs().last(where: { $0.label == label })?.id
    } catch let error as StoreError {
      throw error
    } catch {
      throw .invalid("\(error)")
    }
    if let holder {
      throw .invalid(
        "the label '\(label)' already names \(ab ? "ab#" : "run #")\(holder); a label names one run, choose another"
      )
    }
  }

  /// Marks `run` as the baseline of its machine key.
  package func setBaseline(_ run: RunRecord) throws {
    try database.transaction {
      try database.run(
        "INSERT INTO baselines(machine_key, run_id, set_at) VALUES (?, ?, ?) "
          + "ON CONFLICT(machine_key) DO UPDATE SET run_id = excluded.run_id, set_at = excluded.set_at",
        [.text(run.machineKey), .integer(run.id), .text(Self.now())])
    }
  }

  /// The baseline run of `machine`, or `StoreError.noBaseline`.
  package func baseline(machine: String) throws -> RunRecord {
    let ids = try database.query(
      "SELECT run_id FROM baselines WHERE machine_key = ?", [.text(machine)]
    ) { $0.int(0) }
    guard let id = ids.first else { throw StoreError.noBaseline(machine: machine) }
    guard let run = try runs().first(where: { $0.id == id }) else {
      throw StoreError.invalid("the baseline of \(machine) names run \(id), which is missing")
    }
    return run
  }

  /// A point's record in every run that measured it (oldest first), on `machine` when given, since an
  /// ISO 8601 date when given.
  package func history(of point: String, machine: String?, since: String?) throws -> [(
    RunRecord, PointRecord
  )] {
    let runs = try self.runs(machine: machine).filter { since == nil || $0.startedAt >= since! }
    var result: [(RunRecord, PointRecord)] = []
    for run in runs {
      let found = try database.query(
        "SELECT name, spec, samples, calls_per_sample, median, ci_low, ci_high, cv, stop_reason, reached_target, "
          + "counters, id FROM points WHERE run_id = ? AND name = ?", [.integer(run.id), .text(point)],
        row: Self.point)
      if let record = found.first { result.append((run, record)) }
    }
    return result
  }

  /// Every point name in the store (for suggestions).
  package func pointNames() throws -> [String] {
    try database.query("SELECT DISTINCT name FROM points ORDER BY name") { $0.text(0) ?? "" }
  }
}
