/// The A/B worker protocol: JSON lines on a worker's stdin (requests) and stdout (replies).
///
/// Version 1:
/// 1. The worker starts and writes `hello` (protocol version, lrd-bench version, commit, build).
/// 2. `cases` {suite: path} → `cases` {names: the suite's case names as this build expands them}.
/// 3. `measure` {name, budget seconds, sequence, core (optional first core)} → `samples` {name, samples (seconds per call),
///    callsPerSample, injected slowdown, seconds spent}; any failure → `error` {message}.
/// 4. `renew` → `renewed`: every program is built anew (new buffers) at its next measurement.
/// 5. `quit`, or end of input → the worker exits 0.
///
/// Fields a version does not know are ignored, so a reply carries only what its type needs.
package enum WorkerProtocol {
  /// The version this build speaks; a worker with another version is refused.
  package static let version = 1
}

/// A request from the controller to a worker.
package struct WorkerRequest: Codable, Sendable, Equatable {
  /// `cases`, `measure`, `renew` or `quit`.
  package var type: String
  /// The suite file (`cases`).
  package var suite: String?
  /// The case to measure (`measure`).
  package var name: String?
  /// Seconds of measurement, warm-up included (`measure`).
  package var budget: Double?
  /// A sequence number seeding the sampler's order (`measure`).
  package var sequence: Int?
  /// The first core of a compact binding (`measure`; duet: the two builds on different cores).
  package var core: Int?

  /// A request of `type` with the fields it needs.
  package init(
    type: String, suite: String? = nil, name: String? = nil, budget: Double? = nil, sequence: Int? = nil,
    core: Int? = nil
  ) {
    self.type = type
    self.suite = suite
    self.name = name
    self.budget = budget
    self.sequence = sequence
    self.core = core
  }
}

/// A reply from a worker.
package struct WorkerReply: Codable, Sendable, Equatable {
  /// `hello`, `cases`, `samples`, `renewed` or `error`.
  package var type: String
  /// The protocol version (`hello`).
  package var `protocol`: Int?
  /// The lrd-bench version (`hello`).
  package var version: String?
  /// The worker build's git commit (`hello`).
  package var commit: String?
  /// `release` or `debug` (`hello`).
  package var build: String?
  /// The suite's case names (`cases`).
  package var names: [String]?
  /// The measured case (`samples`).
  package var name: String?
  /// Seconds per call of every sample (`samples`).
  package var samples: [Double]?
  /// Calls per sample (`samples`).
  package var callsPerSample: Int?
  /// The slowdown injected into this case by the worker's environment (`samples`).
  package var injected: Double?
  /// Wall seconds the measurement took (`samples`).
  package var seconds: Double?
  /// What went wrong (`error`).
  package var message: String?

  /// A reply of `type`; set the fields it carries.
  package init(type: String) {
    self.type = type
  }
}

/// The identity of a build as its worker's `hello` gives it.
package struct BuildIdentity: Codable, Sendable, Equatable {
  package var path: String
  package var version: String
  /// The git commit it was built from (`-dirty` for uncommitted changes).
  package var commit: String
  /// `release` or `debug`.
  package var build: String
  /// Environment variables set for this build's workers only (`NAME=VALUE`).
  package var environment: [String]

  package init(path: String, version: String, commit: String, build: String, environment: [String]) {
    self.path = path
    self.version = version
    self.commit = commit
    self.build = build
    self.environment = environment
  }
}
