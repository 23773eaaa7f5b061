import Store

/// One case of an A/B run: its comparison over rounds and what each build measured.
package struct ABPoint: Codable, Sendable, Equatable {
  package var name: String
  /// Threads of the case.
  package var threads: Int
  /// The comparison over rounds (ratio new ÷ base, CI, sign test, BH-adjusted p, verdict).
  package var comparison: RoundComparison
  /// Median over rounds of the base build's per-round medians, seconds per call.
  package var baseMedian: Double
  /// The same for the new build.
  package var newMedian: Double
  /// The slowdown injected into the new build's measurements (test knob; 0 normally).
  package var injected: Double
  /// Why the point failed on either build, nil when it did not.
  package var failure: String?
}

/// What `lrd-bench ab` did: every common case compared over rounds, the suite's geometric mean, the cases
/// only one build has, the failed ones.
package struct ABResult: Codable, Sendable {
  /// The schema string of `ab --format json`.
  package static let schemaVersion = "lrd-bench/ab@1"
  /// The schema of this result.
  package var schema = ABResult.schemaVersion
  /// The stored A/B run.
  package var run: ABRunRecord
  package var base: BuildIdentity
  package var new: BuildIdentity
  /// Cases both builds measured, in suite order.
  package var points: [ABPoint]
  /// The suite's geometric mean of new ÷ base over the same rounds.
  package var geometricMean: RoundComparison
  /// Cases only the base build's suite has (listed, not compared).
  package var onlyBase: [String]
  /// Cases only the new build's suite has.
  package var onlyNew: [String]
  /// Rounds every compared point completed.
  package var roundsCompleted: Int
  /// True when the run was interrupted (it stays incomplete; `--resume` continues it).
  package var interrupted: Bool
  package var store: String
  /// Wall time of this invocation, in seconds.
  package var elapsedSeconds: Double
  /// Instruction counts of the 1-thread layer cases on both builds (`--instructions`), nil when not counted.
  package var instructions: [InstructionGate.Comparison]?

  package func count(_ verdict: RoundComparison.Verdict) -> Int {
    points.filter { $0.failure == nil && $0.comparison.verdict == verdict }.count
  }

  package var failed: [ABPoint] { points.filter { $0.failure != nil } }
}
