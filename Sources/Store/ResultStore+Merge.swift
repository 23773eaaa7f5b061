import Foundation

extension ResultStore {
  /// What a merge copied.
  package struct MergeSummary: Sendable, Equatable {
    /// Runs copied, with their points.
    package var runs: Int
    package var points: Int
    /// A/B runs copied, with their measurements.
    package var abRuns: Int = 0
  }

  /// Copies every run of `sources` (with all its points; labels, machine keys, times, status kept) and every
  /// A/B run (with all its measurements) into this store, in one transaction: either all are copied or none.
  ///
  /// A run that is already here, or in two of the sources (same suite, machine key, start time and shard: the
  /// same measurement twice), is an error naming it; so is a label another run already carries. A/B runs
  /// are checked the same way (same suite, machine key and start time; their labels are their own).
  package func merge(_ sources: [ResultStore]) throws -> MergeSummary {
    let copies = try Self.toCopy(
      from: sources, existing: try runs(), into: path, kind: "run", runs: { try $0.runs() },
      identity: {
        "run \($0.suite) on \($0.machineKey) started \($0.startedAt)"
          + ($0.shard.map { " (shard \($0))" } ?? "")
      }, label: \.label, contents: { try $0.points(of: $1.id) })
    let abCopies = try Self.toCopy(
      from: sources, existing: try abRuns(), into: path, kind: "A/B run", runs: { try $0.abRuns() },
      identity: { "A/B run of \($0.suite) on \($0.machineKey) started \($0.startedAt)" }, label: \.label,
      contents: { (try $0.abMeasurements(of: $1.id), try $0.abInstructions(of: $1.id)) })
    try database.transaction {
      for (run, points) in copies {
        try database.run(
          "INSERT INTO runs(suite, suite_digest, label, machine_key, started_at, finished_at, status, git_commit, "
            + "build, shard, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          [
            .text(run.suite), .text(run.suiteDigest), .optional(run.label), .text(run.machineKey),
            .text(run.startedAt), .optional(run.finishedAt), .text(run.status.rawValue), .text(run.commit),
            .text(run.build), .optional(run.shard), .text(run.fingerprint),
          ])
        let id = database.lastInsertID
        for point in points {
          let samples = String(decoding: try JSONEncoder().encode(point.samples), as: UTF8.self)
          try database.run(
            "INSERT INTO points(run_id, name, spec, samples, calls_per_sample, median, ci_low, ci_high, cv, "
              + "stop_reason, reached_target, counters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
              .integer(id), .text(point.name), .text(point.spec), .text(samples),
              .integer(Int64(point.callsPerSample)), .real(point.median), .real(point.ciLow),
              .real(point.ciHigh),
              .real(point.cv), .text(point.stopReason), .integer(point.reachedTarget ? 1 : 0),
              .text(point.counters),
            ])
        }
      }
      for (run, contents) in abCopies { try insert(run, contents.0, instructions: contents.1) }
    }
    return MergeSummary(
      runs: copies.count, points: copies.reduce(0) { $0 + $1.1.count }, abRuns: abCopies.count)
  }

  /// The runs (`runs` of each source) to copy, each with its `contents`; throws naming a run already here
  /// (`existing`) or in two sources (same `identity`: one measurement given twice), or a label two runs carry.
  static func toCopy<Run, Contents>(
    from sources: [ResultStore], existing: [Run], into path: String, kind: String,
    runs: (ResultStore) throws -> [Run], identity: (Run) -> String, label: (Run) -> String?,
    contents: (ResultStore, Run) throws -> Contents
  ) throws -> [(Run, Contents)] {
    var seen = Dictionary(existing.map { (identity($0), path) }, uniquingKeysWith: { a, _ in a })
    var labels = Dictionary(
      existing.compactMap { run in label(run).map { ($0, path) } }, uniquingKeysWith: { a, _ in a })
    var copies: [(Run, Contents)] = []
    for source in sources {
      for run in try runs(source) {
        if let holder = seen[identity(run)] {
          throw StoreError.invalid(
            "\(identity(run)) is in both \(holder) and \(source.path): a run measured twice; merge each store once"
          )
        }
        seen[identity(run)] = source.path
        if let label = label(run) {
          if let holder = labels[label] {
            throw StoreError.invalid(
              "the label '\(label)' names a \(kind) in both \(holder) and \(source.path); a label names one run"
            )
          }
          labels[label] = source.path
        }
        copies.append((run, try contents(source, run)))
      }
    }
    return copies
  }

  /// Inserts an A/B run as it was recorded (times and status kept) with its measurements and instruction counts;
  /// inside a transaction.
  func insert(
    _ run: ABRunRecord, _ measurements: [ABMeasurementRecord], instructions: [ABInstructionRecord] = []
  )
    throws
  {
    try database.run(
      "INSERT INTO ab_runs(suite, suite_digest, label, machine_key, started_at, finished_at, status, base, new, "
        + "rounds, threshold, seed, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      [
        .text(run.suite), .text(run.suiteDigest), .optional(run.label), .text(run.machineKey),
        .text(run.startedAt), .optional(run.finishedAt), .text(run.status.rawValue), .text(run.base),
        .text(run.new), .integer(Int64(run.rounds)), .real(run.threshold), .integer(run.seed),
        .text(run.fingerprint),
      ])
    let id = database.lastInsertID
    for m in measurements {
      let samples = String(decoding: try JSONEncoder().encode(m.samples), as: UTF8.self)
      try database.run(
        "INSERT INTO ab_samples(ab_run_id, name, side, round, samples, calls_per_sample, injected, error) "
          + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
          .integer(id), .text(m.name), .text(m.side.rawValue), .integer(Int64(m.round)), .text(samples),
          .integer(Int64(m.callsPerSample)), .real(m.injected), .optional(m.error),
        ])
    }
    for count in instructions {
      try database.run(
        "INSERT INTO ab_instructions(ab_run_id, name, base, new) VALUES (?, ?, ?, ?)",
        [.integer(id), .text(count.name), .real(count.base), .real(count.new)])
    }
  }
}
