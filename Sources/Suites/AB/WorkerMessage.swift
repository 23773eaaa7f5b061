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
public enum WorkerProtocol {
  /// The version this build speaks; a worker with another version is refused.
  public static let version = 1
}

/// A request from the controller to a worker.
public struct WorkerRequest: Codable, Sendable, Equatable {
  /// `cases`, `measure`, `renew` or `quit`.
  public var type: String
  /// The suite file (`cases`).
  public var suite: String?
  /// The case to measure (`measure`).
  public var name: String?
  /// Seconds of measurement, warm-up included (`measure`).
  public var budget: Double?
  /// A sequence number seeding the sampler's order (`measure`).
  public var sequence: Int?
  /// The first core of a compact binding (`measure`; duet: the two builds on different cores).
  public var core: Int?

  /// A request of `type` with the fields it needs.
  public init(
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
public struct WorkerReply: Codable, Sendable, Equatable {
  /// `hello`, `cases`, `samples`, `renewed` or `error`.
  public var type: String
  /// The protocol version (`hello`).
  public var `protocol`: Int?
  /// The lrd-bench version (`hello`).
  public var version: String?
  /// The worker build's git commit (`hello`).
  public var commit: String?
  /// `release` or `debug` (`hello`).
  public var build: String?
  /// The suite's case names (`cases`).
  public var names: [String]?
  /// The measured case (`samples`).
  public var name: String?
  /// Seconds per call of every sample (`samples`).
  public var samples: [Double]?
  /// Calls per sample (`samples`).
  public var callsPerSample: Int?
  /// The slowdown injected into this case by the worker's environment (`samples`).
  public var injected: Double?
  /// Wall seconds the measurement took (`samples`).
  public var seconds: Double?
  /// What went wrong (`error`).
  public var message: String?

  /// A reply of `type`; set the fields it carries.
  public init(type: String) {
    self.type = type
  }
}

/// The identity of a build as its worker's `hello` gives it.
public struct BuildIdentity: Codable, Sendable, Equatable {
  /// The executable's path.
  public var path: String
  /// The lrd-bench version.
  public var version: String
  /// The git commit it was built from (`-dirty` for uncommitted changes).
  public var commit: String
  /// `release` or `debug`.
  public var build: String
  /// Environment variables set for this build's workers only (`NAME=VALUE`).
  public var environment: [String]

  /// An identity.
  public init(path: String, version: String, commit: String, build: String, environment: [String]) {
    self.path = path
    self.version = version
    self.commit = commit
    self.build = build
    self.environment = environment
  }
}
