import Statistics
import Store
import Support

/// One point's median and CI over the runs that measured it, with change points flagged: a run whose
/// samples differ from the previous run's beyond the threshold, significantly (Mann–Whitney U).
package struct PointHistory: Codable, Sendable {
  /// The schema string of `history --format json`.
  package static let schemaVersion = "lrd-bench/history@1"
  /// The schema of this result.
  package var schema = PointHistory.schemaVersion
  /// The point's name (for example `layer4.2.conv2/alpha/t2`).
  package var point: String
  /// The threshold and significance level that flag a change point.
  package var settings: ComparisonSettings
  /// Every run that measured the point, oldest first.
  package var entries: [Entry]

  /// The point in one run.
  package struct Entry: Codable, Sendable, Equatable {
    package var run: RunRecord
    /// Median time per call, in seconds.
    package var median: Double
    /// Lower bound of the median's 95% CI, in seconds.
    package var ciLow: Double
    /// Upper bound of the median's 95% CI, in seconds.
    package var ciHigh: Double
    package var samples: Int
    /// True when the point reached its CI target in that run.
    package var reachedTarget: Bool
    /// Set when this run changed against the previous one: median ratio and the test's p-value.
    package var change: Change?
  }

  /// A change point: this run against the previous one.
  package struct Change: Codable, Sendable, Equatable {
    /// This run's median ÷ the previous run's.
    package var ratio: Double
    /// Two-sided Mann–Whitney U p-value of the two runs' samples.
    package var mannWhitneyP: Double
    /// "regression" or "improvement".
    package var direction: String
  }

  /// The history of `point` from its stored records, oldest first, with change points flagged.
  package init(point: String, records: [(RunRecord, PointRecord)], settings: ComparisonSettings) {
    self.point = point
    self.settings = settings
    var entries: [Entry] = []
    var previous: PointRecord?
    for (run, record) in records {
      var change: Change?
      if let previous, !previous.samples.isEmpty, !record.samples.isEmpty {
        let comparison = UnpairedComparison(
          baseline: previous.samples, candidate: record.samples, seed: FNV1a.hash(point))
        if comparison.mannWhitneyP < settings.alpha && abs(comparison.ratio - 1) > settings.threshold {
          change = Change(
            ratio: comparison.ratio, mannWhitneyP: comparison.mannWhitneyP,
            direction: comparison.ratio > 1 ? "regression" : "improvement")
        }
      }
      entries.append(
        Entry(
          run: run, median: record.median, ciLow: record.ciLow, ciHigh: record.ciHigh,
          samples: record.samples.count,
          reachedTarget: record.reachedTarget, change: change))
      previous = record
    }
    self.entries = entries
  }
}
