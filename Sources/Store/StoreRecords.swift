/// A run as the store keeps it: what ran, where, when, with which build, and whether it finished.
package struct RunRecord: Codable, Sendable, Equatable {
  /// Whether a run finished.
  package enum Status: String, Codable, Sendable {
    /// Started; becomes `complete` when the run ends (a crashed or interrupted run stays incomplete).
    case incomplete
    case complete
  }

  /// The run's id in the store (`#12`); 0 before it is stored.
  package var id: Int64
  /// The suite's name (the file name without `.yaml`).
  package var suite: String
  /// FNV-1a of the suite file's text: runs of different suite versions are told apart.
  package var suiteDigest: String
  /// The user's label for the run (`--label`), if any.
  package var label: String?
  /// The stable machine key (`MachineKey`): runs compare only within one key.
  package var machineKey: String
  /// ISO 8601 UTC.
  package var startedAt: String
  /// ISO 8601 UTC; nil while the run is incomplete.
  package var finishedAt: String?
  /// Whether the run finished.
  package var status: Status
  /// The git commit of the build (with `-dirty` for uncommitted changes).
  package var commit: String
  /// The build configuration: `release` or `debug`.
  package var build: String
  /// "i/n" when the run is one shard of a suite.
  package var shard: String?
  /// The full machine fingerprint as JSON.
  package var fingerprint: String

  /// A run record; `id` is assigned by the store.
  package init(
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
  package var title: String { "#\(id)" + (label.map { " \($0)" } ?? "") + " (\(suite), \(startedAt))" }
}

/// One measured point of a run: its name within the suite, its spec, every raw sample and summary
/// statistics (seconds per call), counters.
package struct PointRecord: Codable, Sendable, Equatable {
  /// The point's name within its suite (for example `layer4.2.conv2/alpha/t2`).
  package var name: String
  /// The point's full spec as JSON (layer or network, factorization or variant, batch, mode, threads).
  package var spec: String
  /// Seconds per call of every sample, in measurement order.
  package var samples: [Double]
  /// Calls of the kernel per sample (each sample is the mean time of that many calls).
  package var callsPerSample: Int
  /// Median time per call, in seconds.
  package var median: Double
  /// Lower bound of the median's 95% CI, in seconds.
  package var ciLow: Double
  /// Upper bound of the median's 95% CI, in seconds.
  package var ciHigh: Double
  /// Coefficient of variation of the samples (standard deviation ÷ mean).
  package var cv: Double
  /// Why sampling stopped (`target`, `budget`, …).
  package var stopReason: String
  /// True when the CI reached the point's target.
  package var reachedTarget: Bool
  package var counters: String

  /// A point record with every raw sample.
  package init(
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
