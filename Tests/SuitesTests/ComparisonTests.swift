import Foundation
import Statistics
import Store
import Testing

@testable import Suites

func record(_ name: String, _ samples: [Double], reached: Bool = true) -> PointRecord {
  let sorted = samples.sorted()
  let mean = samples.reduce(0, +) / Double(samples.count)
  let sd = (samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(samples.count - 1)).squareRoot()
  return PointRecord(
    name: name, spec: "{}", samples: samples, callsPerSample: 1, median: sorted[sorted.count / 2],
    ciLow: sorted.first!, ciHigh: sorted.last!, cv: sd / mean, stopReason: reached ? "target" : "budget",
    reachedTarget: reached, counters: "[]")
}

func runRecord(_ id: Int64) -> RunRecord {
  RunRecord(
    id: id, suite: "t", suiteDigest: "d", label: nil, machineKey: "m", startedAt: "2026-11-29T00:00:0\(id)Z",
    status: .complete, commit: "c", build: "release", shard: nil, fingerprint: "{}")
}

/// Deterministic samples around `center` with relative spread `spread`.
func samples(_ center: Double, spread: Double, count: Int = 40, seed: UInt64) -> [Double] {
  var state = seed
  return (0..<count).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    let u = Double(state >> 11) / Double(1 << 53)
    return center * (1 + spread * (u - 0.5))
  }
}

@Suite("Run comparison")
struct ComparisonTests {
  @Test func verdictsAndExitCodes() {
    let base = [
      record("same", samples(1, spread: 0.01, seed: 1)), record("slower", samples(1, spread: 0.01, seed: 2)),
      record("faster", samples(1, spread: 0.01, seed: 3)),
      record("noisy", samples(1, spread: 0.6, count: 8, seed: 4)),
      record("small", samples(1, spread: 0.01, seed: 5)),
    ]
    let new = [
      record("same", samples(1, spread: 0.01, seed: 11)),
      record("slower", samples(1.10, spread: 0.01, seed: 12)),
      record("faster", samples(0.90, spread: 0.01, seed: 13)),
      record("noisy", samples(1.05, spread: 0.6, count: 8, seed: 14), reached: false),
      record("small", samples(1.01, spread: 0.01, seed: 15)),
    ]
    let comparison = RunComparison(
      base: (runRecord(1), base), new: (runRecord(2), new), settings: ComparisonSettings())
    let verdicts = Dictionary(uniqueKeysWithValues: comparison.points.map { ($0.name, $0.verdict) })
    #expect(verdicts["same"] == .unchanged)
    #expect(verdicts["slower"] == .regression)
    #expect(verdicts["faster"] == .improvement)
    #expect(verdicts["noisy"] == .inconclusive)
    // 1% is significant with these tight samples but below the 3% threshold.
    #expect(verdicts["small"] == .unchanged)
    #expect(comparison.exitCode == 2)
    #expect(comparison.points.first { $0.name == "noisy" }?.stoppedByBudget == true)
    #expect(comparison.geometricMean > 0.95 && comparison.geometricMean < 1.06)
    #expect(
      comparison.geometricMeanLow < comparison.geometricMean
        && comparison.geometricMean < comparison.geometricMeanHigh)
    let improvementsOnly = RunComparison(
      base: (runRecord(1), [base[2]]), new: (runRecord(2), [new[2]]), settings: ComparisonSettings())
    #expect(improvementsOnly.exitCode == 4)
    let nothing = RunComparison(
      base: (runRecord(1), [base[0]]), new: (runRecord(2), [new[0]]), settings: ComparisonSettings())
    #expect(nothing.exitCode == 0)
  }

  @Test func earlierRunsWidenTheBand() {
    let base = [record("p", samples(1, spread: 0.01, seed: 21))]
    let new = [record("p", samples(1.10, spread: 0.01, seed: 22))]
    let settings = ComparisonSettings()
    // Without history a 10% shift with tight samples is a regression.
    #expect(
      RunComparison(base: (runRecord(1), base), new: (runRecord(2), new), settings: settings).exitCode == 2)
    // Earlier runs of one commit whose medians moved by ±10% widen the band beyond 10%.
    let history = [1.0, 1.1, 0.9, 1.05].map { (commit: "c", medians: ["p": $0]) }
    let comparison = RunComparison(
      base: (runRecord(1), base), new: (runRecord(2), new), settings: settings, history: history)
    #expect(comparison.points[0].band > 0.2 && comparison.points[0].historyRuns == 4)
    #expect(comparison.points[0].verdict != .regression && comparison.exitCode == 0)
    // The same medians from four different commits are real changes, not noise: the threshold applies.
    let changes = [1.0, 1.1, 0.9, 1.05].enumerated().map { (commit: "c\($0)", medians: ["p": $1]) }
    let acrossCommits = RunComparison(
      base: (runRecord(1), base), new: (runRecord(2), new), settings: settings, history: changes)
    #expect(acrossCommits.points[0].band == settings.threshold && acrossCommits.exitCode == 2)
    // Fewer than two degrees of freedom: the threshold applies.
    #expect(RunComparison.band([("c", 1), ("c", 2)], settings) == settings.threshold)
    // Five runs of one commit with log medians −0.02…0.02, worked by hand: MAD 0.01, σ = 1.4826 × 0.01 ×
    // √(5/4) = 0.016576, half-width t(0.995, 4) = 4.604 × σ × √2 = 0.107927 on the log scale: a band of
    // e^0.107927 − 1 = 11.397%.
    let logs = [-0.02, -0.01, 0, 0.01, 0.02]
    #expect(abs(RunComparison.band(logs.map { ("c", exp($0)) }, settings) - 0.113966) < 1e-5)
    // One settling run far off does not widen the band (robust scale).
    let settling = [0, 0, 0, 0, 0.5].map { ("c", exp($0)) }
    #expect(RunComparison.band(settling, settings) == settings.threshold)
    // A run whose second half is 20% slower than its first drifted by log 1.2.
    let drifting = [Double](repeating: 1, count: 10) + [Double](repeating: 1.2, count: 10)
    #expect(abs(RunComparison.drift(drifting) - log(1.2)) < 1e-12)
  }

  @Test func aSuiteWideShiftIsCaughtByTheGeometricMean() {
    // Twelve points, each 4% slower: within each point's band (earlier runs moved ±2%), but the
    // geometric mean of a run moves far less than single points, so the suite-wide shift shows.
    let names = (0..<12).map { "p\($0)" }
    let base = names.enumerated().map { record($1, samples(1, spread: 0.02, seed: UInt64($0))) }
    let new = names.enumerated().map { record($1, samples(1.04, spread: 0.02, seed: UInt64(100 + $0))) }
    let history = (0..<8).map { run -> (commit: String, medians: [String: Double]) in
      (
        "c",
        Dictionary(
          uniqueKeysWithValues: names.enumerated().map { ($1, 1 + 0.02 * sin(Double(run * 12 + $0))) })
      )
    }
    let comparison = RunComparison(
      base: (runRecord(1), base), new: (runRecord(2), new), settings: ComparisonSettings(), history: history)
    #expect(comparison.points.allSatisfy { $0.verdict != .regression })
    #expect(comparison.geometricMeanVerdict == .regression && comparison.exitCode == 2)
  }

  @Test func pointsMissingOnOneSideAreListed() {
    let comparison = RunComparison(
      base: (runRecord(1), [record("a", [1, 2, 3]), record("b", [1, 2, 3])]),
      new: (runRecord(2), [record("a", [1, 2, 3]), record("c", [1, 2, 3])]), settings: ComparisonSettings())
    #expect(comparison.points.map(\.name) == ["a"])
    #expect(comparison.onlyInBase == ["b"] && comparison.onlyInNew == ["c"])
  }

  @Test func corrections() {
    let p = [0.01, 0.04, 0.03, 0.005]
    // Holm: sorted 0.005·4, 0.01·3, 0.03·2, 0.04·1, made monotone.
    let holm = Correction.holm.adjust(p)
    #expect(zip(holm, [0.03, 0.06, 0.06, 0.02]).allSatisfy { abs($0 - $1) < 1e-12 })
    // Benjamini–Hochberg: p·m/rank, made monotone from the top.
    let bh = Correction.bh.adjust(p)
    #expect(zip(bh, [0.02, 0.04, 0.04, 0.02]).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(Correction.none.adjust(p) == p)
  }

  @Test func historyFlagsChangePoints() {
    let records = (1...4).map { i -> (RunRecord, PointRecord) in
      (runRecord(Int64(i)), record("p", samples(i >= 3 ? 1.2 : 1, spread: 0.01, seed: UInt64(i))))
    }
    let history = PointHistory(point: "p", records: records, settings: ComparisonSettings())
    #expect(history.entries.map { $0.change?.direction } == [nil, nil, "regression", nil])
  }
}
