import Store

/// One case of an A/B run: its comparison over rounds and what each build measured.
public struct ABPoint: Codable, Sendable, Equatable {
  /// The case's name.
  public var name: String
  /// Threads of the case.
  public var threads: Int
  /// The comparison over rounds (ratio new ÷ base, CI, sign test, BH-adjusted p, verdict).
  public var comparison: RoundComparison
  /// Median over rounds of the base build's per-round medians, seconds per call.
  public var baseMedian: Double
  /// The same for the new build.
  public var newMedian: Double
  /// The slowdown injected into the new build's measurements (test knob; 0 normally).
  public var injected: Double
  /// Why the point failed on either build, nil when it did not.
  public var failure: String?
}

/// What `lrd-bench ab` did: every common case compared over rounds, the suite's geometric mean, the cases
/// only one build has, the failed ones.
public struct ABResult: Codable, Sendable {
  /// The schema string of `ab --format json`.
  public static let schemaVersion = "lrd-bench/ab@1"
  /// The schema of this result.
  public var schema = ABResult.schemaVersion
  /// The stored A/B run.
  public var run: ABRunRecord
  /// The base build.
  public var base: BuildIdentity
  /// The new build.
  public var new: BuildIdentity
  /// Cases both builds measured, in suite order.
  public var points: [ABPoint]
  /// The suite's geometric mean of new ÷ base over the same rounds.
  public var geometricMean: RoundComparison
  /// Cases only the base build's suite has (listed, not compared).
  public var onlyBase: [String]
  /// Cases only the new build's suite has.
  public var onlyNew: [String]
  /// Rounds every compared point completed.
  public var roundsCompleted: Int
  /// True when the run was interrupted (it stays incomplete; `--resume` continues it).
  public var interrupted: Bool
  /// The store's path.
  public var store: String
  /// Wall time of this invocation, in seconds.
  public var elapsedSeconds: Double
  /// Instruction counts of the 1-thread layer cases on both builds (`--instructions`), nil when not counted.
  public var instructions: [InstructionGate.Comparison]?

  /// The verdicts counted.
  public func count(_ verdict: RoundComparison.Verdict) -> Int {
    points.filter { $0.failure == nil && $0.comparison.verdict == verdict }.count
  }

  /// Points that failed.
  public var failed: [ABPoint] { points.filter { $0.failure != nil } }
}
