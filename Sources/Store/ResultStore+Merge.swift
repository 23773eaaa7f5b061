import Foundation

extension ResultStore {
  /// What a merge copied.
  package struct MergeSummary: Sendable, Equatable {
    /// Runs copied, with their points.
    package var runs: Int
    package var points: Int
  }

  /// Copies every run of `sources` (with all its points; labels, machine keys, times, status kept) into this
  /// store, in one transaction: either all are copied or none.
  ///
  /// A run that is already here, or in two of the sources (same suite, machine key, start time and shard: the
  /// same measurement twice), is an error naming it; so is a label another run already carries.
  package func merge(_ sources: [ResultStore]) throws -> MergeSummary {
    func identity(_ run: RunRecord) -> String {
      "\(run.suite) on \(run.machineKey) started \(run.startedAt)"
        + (run.shard.map { " (shard \($0))" } ?? "")
    }
    let existing = try runs()
    var seen = Dictionary(uniqueKeysWithValues: existing.map { (identity($0), path) })
    var labels = Dictionary(
      existing.compactMap { run in run.label.map { ($0, path) } }, uniquingKeysWith: { a, _ in a })
    var copies: [(RunRecord, [PointRecord])] = []
    for source in sources {
      for run in try source.runs() {
        if let holder = seen[identity(run)] {
          throw StoreError.invalid(
            "run \(identity(run)) is in both \(holder) and \(source.path): a run measured twice; merge each store once"
          )
        }
        seen[identity(run)] = source.path
        if let label = run.label {
          if let holder = labels[label] {
            throw StoreError.invalid(
              "the label '\(label)' names a run in both \(holder) and \(source.path); a label names one run")
          }
          labels[label] = source.path
        }
        copies.append((run, try source.points(of: run.id)))
      }
    }
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
    }
    return MergeSummary(runs: copies.count, points: copies.reduce(0) { $0 + $1.1.count })
  }
}
