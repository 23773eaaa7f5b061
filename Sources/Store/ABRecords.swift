/// An A/B run as the store keeps it: a suite measured by two builds interleaved in rounds.
package struct ABRunRecord: Codable, Sendable, Equatable {
  /// The A/B run's id (`ab#3`); 0 before it is stored.
  package var id: Int64
  package var suite: String
  /// FNV-1a of the suite file's text.
  package var suiteDigest: String
  /// The user's label, if any.
  package var label: String?
  package var machineKey: String
  /// ISO 8601 UTC.
  package var startedAt: String
  /// ISO 8601 UTC; nil while incomplete.
  package var finishedAt: String?
  /// Whether the run finished.
  package var status: RunRecord.Status
  /// The base build's identity as JSON (path, version, commit, build, environment).
  package var base: String
  /// The new build's identity as JSON.
  package var new: String
  package var rounds: Int
  /// The verdict threshold, as a fraction (0.03: ±3%).
  package var threshold: Double
  /// The seed of the per-point order (which build starts each point's first round).
  package var seed: Int64
  /// The machine fingerprint as JSON.
  package var fingerprint: String

  /// A record; `id` is assigned by the store.
  package init(
    id: Int64 = 0, suite: String, suiteDigest: String, label: String?, machineKey: String, startedAt: String,
    finishedAt: String? = nil, status: RunRecord.Status = .incomplete, base: String, new: String, rounds: Int,
    threshold: Double, seed: Int64, fingerprint: String
  ) {
    self.id = id
    self.suite = suite
    self.suiteDigest = suiteDigest
    self.label = label
    self.machineKey = machineKey
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.status = status
    self.base = base
    self.new = new
    self.rounds = rounds
    self.threshold = threshold
    self.seed = seed
    self.fingerprint = fingerprint
  }
}

/// One build's measurement of one case in one round of an A/B run.
package struct ABMeasurementRecord: Codable, Sendable, Equatable {
  package enum Side: String, Codable, Sendable, CaseIterable {
    case base
    case new
  }

  package var name: String
  package var side: Side
  /// The round, 0-based.
  package var round: Int
  /// Seconds per call of every sample (empty when the measurement failed).
  package var samples: [Double]
  package var callsPerSample: Int
  /// The slowdown the build's environment injected (test knob; 0 normally).
  package var injected: Double
  /// Why the measurement failed, nil when it did not.
  package var error: String?

  package init(
    name: String, side: Side, round: Int, samples: [Double], callsPerSample: Int, injected: Double,
    error: String? = nil
  ) {
    self.name = name
    self.side = side
    self.round = round
    self.samples = samples
    self.callsPerSample = callsPerSample
    self.injected = injected
    self.error = error
  }
}

/// One case's instructions per call on both builds of an A/B run (`ab --instructions`, counted under callgrind).
package struct ABInstructionRecord: Codable, Sendable, Equatable {
  package var name: String
  /// The base build's instructions per call.
  package var base: Double
  /// The new build's instructions per call.
  package var new: Double

  package init(name: String, base: Double, new: Double) {
    self.name = name
    self.base = base
    self.new = new
  }
}
