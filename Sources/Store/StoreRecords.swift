/// A run as the store keeps it: what ran, where, when, with which build, and whether it finished.
public struct RunRecord: Codable, Sendable, Equatable {
  public enum Status: String, Codable, Sendable {
    /// Started; becomes `complete` when the run ends (a crashed or interrupted run stays incomplete).
    case incomplete
    case complete
  }

  public var id: Int64
  public var suite: String
  /// FNV-1a of the suite file's text: runs of different suite versions are told apart.
  public var suiteDigest: String
  public var label: String?
  /// The stable machine key (`MachineKey`): runs compare only within one key.
  public var machineKey: String
  /// ISO 8601 UTC.
  public var startedAt: String
  public var finishedAt: String?
  public var status: Status
  public var commit: String
  public var build: String
  /// "i/n" when the run is one shard of a suite.
  public var shard: String?
  /// The full machine fingerprint as JSON.
  public var fingerprint: String

  public init(
    id: Int64 = 0, suite: String, suiteDigest: String, label: String?, machineKey: String, startedAt: String,
    finishedAt: String? = nil, status: Status = .incomplete, commit: String, build: String, shard: String?,
    fingerprint: String
  ) {
    self.id = id
    self.suite = suite
    self.suiteDigest = suiteDigest
    self.label = label
    self.machineKey = machineKey
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.status = status
    self.commit = commit
    self.build = build
    self.shard = shard
    self.fingerprint = fingerprint
  }

  /// "#12 (nightly, 2026-11-29T03:00:00Z)".
  public var title: String { "#\(id)" + (label.map { " \($0)" } ?? "") + " (\(suite), \(startedAt))" }
}

/// One measured point of a run: its name within the suite, its spec, every raw sample and summary
/// statistics (seconds per call), counters.
public struct PointRecord: Codable, Sendable, Equatable {
  public var name: String
  /// The point's full spec as JSON (layer or network, factorization or variant, batch, mode, threads).
  public var spec: String
  /// Seconds per call of every sample, in measurement order.
  public var samples: [Double]
  public var callsPerSample: Int
  public var median: Double
  public var ciLow: Double
  public var ciHigh: Double
  public var cv: Double
  /// Why sampling stopped (`target`, `budget`, …).
  public var stopReason: String
  public var reachedTarget: Bool
  /// Counters as JSON.
  public var counters: String

  public init(
    name: String, spec: String, samples: [Double], callsPerSample: Int, median: Double, ciLow: Double,
    ciHigh: Double, cv: Double, stopReason: String, reachedTarget: Bool, counters: String
  ) {
    self.name = name
    self.spec = spec
    self.samples = samples
    self.callsPerSample = callsPerSample
    self.median = median
    self.ciLow = ciLow
    self.ciHigh = ciHigh
    self.cv = cv
    self.stopReason = stopReason
    self.reachedTarget = reachedTarget
    self.counters = counters
  }
}
