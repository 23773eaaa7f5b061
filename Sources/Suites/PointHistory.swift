import Profiling
import Store
import Support

/// One point's median and CI over the runs that measured it, with change points flagged: a run whose
/// samples differ from the previous run's beyond the threshold, significantly (Mann–Whitney U).
public struct PointHistory: Codable, Sendable {
  public static let schemaVersion = "lrd-bench/history@1"
  public var schema = PointHistory.schemaVersion
  public var point: String
  public var settings: ComparisonSettings
  public var entries: [Entry]

  public struct Entry: Codable, Sendable, Equatable {
    public var run: RunRecord
    public var median: Double
    public var ciLow: Double
    public var ciHigh: Double
    public var samples: Int
    public var reachedTarget: Bool
    /// Set when this run changed against the previous one: median ratio and the test's p-value.
    public var change: Change?
  }

  public struct Change: Codable, Sendable, Equatable {
    public var ratio: Double
    public var mannWhitneyP: Double
    /// "regression" or "improvement".
    public var direction: String
  }

  public init(point: String, records: [(RunRecord, PointRecord)], settings: ComparisonSettings) {
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
