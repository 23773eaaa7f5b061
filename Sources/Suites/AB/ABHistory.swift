import Store

/// One point's A/B ratio over the stored A/B runs (the nightly's new ÷ base per night).
package struct ABHistory: Codable, Sendable {
  /// One A/B run's comparison of the point.
  package struct Entry: Codable, Sendable {
    /// The A/B run.
    package var run: ABRunRecord
    /// The base and new commits.
    package var baseCommit: String
    /// The new build's commit.
    package var newCommit: String
    /// The point's comparison in that run (BH over that run's points).
    package var comparison: RoundComparison
  }

  package var point: String
  package var entries: [Entry]

  /// The point's history over `runs` (each with its measurements), skipping runs that did not measure it.
  package init(point: String, runs: [(ABRunRecord, [ABMeasurementRecord])]) throws {
    self.point = point
    entries = try runs.compactMap { run, measurements in
      let result = try ABRunner.compare(run: run, measurements: measurements)
      guard let p = result.points.first(where: { $0.name == point }), p.failure == nil else { return nil }
      return Entry(
        run: run, baseCommit: result.base.commit, newCommit: result.new.commit, comparison: p.comparison)
    }
  }
}
