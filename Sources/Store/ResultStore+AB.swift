import Foundation

extension ResultStore {
  static let abColumns =
    "id, suite, suite_digest, label, machine_key, started_at, finished_at, status, base, new, rounds, threshold, "
    + "seed, fingerprint"

  static func abRun(_ s: Statement) throws -> ABRunRecord {
    guard let status = RunRecord.Status(rawValue: s.text(7) ?? "") else {
      throw StoreError.invalid("corrupt A/B run row \(s.int(0)): status '\(s.text(7) ?? "")'")
    }
    return ABRunRecord(
      id: s.int(0), suite: s.text(1) ?? "", suiteDigest: s.text(2) ?? "", label: s.text(3),
      machineKey: s.text(4) ?? "", startedAt: s.text(5) ?? "", finishedAt: s.text(6), status: status,
      base: s.text(8) ?? "{}", new: s.text(9) ?? "{}", rounds: Int(s.int(10)), threshold: s.double(11),
      seed: s.int(12), fingerprint: s.text(13) ?? "{}")
  }

  /// Records a new A/B run (incomplete) and returns it with its id.
  package func beginABRun(_ run: ABRunRecord) throws -> ABRunRecord {
    try database.transaction {
      try database.run(
        "INSERT INTO ab_runs(suite, suite_digest, label, machine_key, started_at, status, base, new, rounds, "
          + "threshold, seed, fingerprint) VALUES (?, ?, ?, ?, ?, 'incomplete', ?, ?, ?, ?, ?, ?)",
        [
          .text(run.suite), .text(run.suiteDigest), .optional(run.label), .text(run.machineKey),
          .text(run.startedAt), .text(run.base), .text(run.new), .integer(Int64(run.rounds)),
          .real(run.threshold), .integer(run.seed), .text(run.fingerprint),
        ])
      var stored = run
      stored.id = database.lastInsertID
      return stored
    }
  }

  /// Stores one build's measurement of one case in one round (committed at once; a repeat replaces it).
  package func addABMeasurement(_ m: ABMeasurementRecord, to run: Int64) throws {
    let samples = String(decoding: try JSONEncoder().encode(m.samples), as: UTF8.self)
    try database.transaction {
      try database.run(
        "INSERT OR REPLACE INTO ab_samples(ab_run_id, name, side, round, samples, calls_per_sample, injected, "
          + "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
          .integer(run), .text(m.name), .text(m.side.rawValue), .integer(Int64(m.round)), .text(samples),
          .integer(Int64(m.callsPerSample)), .real(m.injected), .optional(m.error),
        ])
    }
  }

  /// Stores an A/B run's instruction counts (a repeat of a case replaces it).
  package func addABInstructions(_ counts: [ABInstructionRecord], to run: Int64) throws {
    try database.transaction {
      for count in counts {
        try database.run(
          "INSERT OR REPLACE INTO ab_instructions(ab_run_id, name, base, new) VALUES (?, ?, ?, ?)",
          [.integer(run), .text(count.name), .real(count.base), .real(count.new)])
      }
    }
  }

  /// The instruction counts of A/B run `run`, by case name (empty when it counted none).
  package func abInstructions(of run: Int64) throws -> [ABInstructionRecord] {
    try database.query(
      "SELECT name, base, new FROM ab_instructions WHERE ab_run_id = ? ORDER BY id", [.integer(run)]
    ) { ABInstructionRecord(name: $0.text(0) ?? "", base: $0.double(1), new: $0.double(2)) }
  }

  /// Marks an A/B run complete (or leaves it incomplete) with its end time.
  package func finishABRun(_ id: Int64, complete: Bool) throws {
    try database.transaction {
      try database.run(
        "UPDATE ab_runs SET finished_at = ?, status = ? WHERE id = ?",
        [.text(Self.now()), .text(complete ? "complete" : "incomplete"), .integer(id)])
    }
  }

  /// Every A/B run, oldest first (only `machine`'s when given).
  package func abRuns(machine: String? = nil) throws -> [ABRunRecord] {
    if let machine {
      return try database.query(
        "SELECT \(Self.abColumns) FROM ab_runs WHERE machine_key = ? ORDER BY id", [.text(machine)],
        row: Self.abRun)
    }
    return try database.query("SELECT \(Self.abColumns) FROM ab_runs ORDER BY id", row: Self.abRun)
  }

  /// An A/B run by id (`3`, `ab#3`, `#3`), `latest`, or label (the newest with it).
  package func resolveAB(_ name: String) throws -> ABRunRecord {
    let all = try abRuns()
    var digits = name
    for prefix in ["ab#", "ab", "#"] where digits.lowercased().hasPrefix(prefix) {
      digits = String(digits.dropFirst(prefix.count))
      break
    }
    if name.lowercased() == "latest", let run = all.last { return run }
    if let id = Int64(digits), let run = all.first(where: { $0.id == id }) { return run }
    if let run = all.last(where: { $0.label == name }) { return run }
    let known = Array(Set(all.compactMap(\.label))).sorted() + ["latest", "ab#<id>"]
    throw StoreError.unknownRun(name, known: known)
  }

  /// Every measurement of an A/B run, in the order they were stored.
  package func abMeasurements(of run: Int64) throws -> [ABMeasurementRecord] {
    try database.query(
      "SELECT name, side, round, samples, calls_per_sample, injected, error, id FROM ab_samples "
        + "WHERE ab_run_id = ? ORDER BY id", [.integer(run)]
    ) { s in
      guard let side = ABMeasurementRecord.Side(rawValue: s.text(1) ?? "") else {
        throw StoreError.invalid("corrupt A/B sample row \(s.int(7)): side '\(s.text(1) ?? "")'")
      }
      let samples: [Double]
      do {
        samples = try JSONDecoder().decode([Double].self, from: Data((s.text(3) ?? "").utf8))
      } catch {
        throw StoreError.invalid("corrupt A/B sample row \(s.int(7)): its samples are not a list of numbers")
      }
      return ABMeasurementRecord(
        name: s.text(0) ?? "", side: side, round: Int(s.int(2)), samples: samples,
        callsPerSample: Int(s.int(4)),
        injected: s.double(5), error: s.text(6))
    }
  }

  /// Records `commit` as the baseline commit of `machine` (what the nightly A/B compares HEAD with).
  package func setBaselineCommit(_ commit: String, machine: String) throws {
    try database.transaction {
      try database.run(
        "INSERT INTO baseline_commits(machine_key, git_commit, set_at) VALUES (?, ?, ?) "
          + "ON CONFLICT(machine_key) DO UPDATE SET git_commit = excluded.git_commit, set_at = excluded.set_at",
        [.text(machine), .text(commit), .text(Self.now())])
    }
  }

  /// The baseline commit of `machine`, or nil when none is recorded.
  package func baselineCommit(machine: String) throws -> String? {
    try database.query("SELECT git_commit FROM baseline_commits WHERE machine_key = ?", [.text(machine)]) {
      $0.text(0) ?? ""
    }.first
  }
}
