import Foundation
import Statistics
import Store
import Support

/// The settings of a comparison.
package struct ComparisonSettings: Codable, Sendable, Equatable {
  /// A change smaller than this fraction is never a regression or an improvement (default 3%).
  package var threshold: Double
  /// Significance level after correction (default 0.01).
  package var alpha: Double
  /// How p-values are corrected over the suite's points (Holm by default).
  package var correction: Correction

  /// Settings with the defaults of `compare`.
  package init(threshold: Double = 0.03, alpha: Double = 0.01, correction: Correction = .holm) {
    self.threshold = threshold
    self.alpha = alpha
    self.correction = correction
  }
}

/// One point compared between two runs (independent sample sets).
package struct PointComparison: Codable, Sendable, Equatable {
  /// What a point comparison concludes (shared with `ab`).
  package typealias Verdict = ComparisonVerdict

  /// The point's name within the suite.
  package var name: String
  /// Seconds per call (medians).
  package var baseMedian: Double
  /// The new run's median time per call, in seconds.
  package var newMedian: Double
  /// new / base medians, with the percentile-bootstrap 95% CI (sets resampled independently).
  package var ratio: Double
  /// Lower bound of the ratio's 95% CI.
  package var ciLow: Double
  /// Upper bound of the ratio's 95% CI.
  package var ciHigh: Double
  /// Two-sided Mann–Whitney U p-value of the two runs' samples.
  package var mannWhitneyP: Double
  /// The p-value after the suite-wide correction (`settings.correction`).
  package var adjustedP: Double
  /// Coefficient of variation of the base run's samples.
  package var baseCV: Double
  /// Coefficient of variation of the new run's samples.
  package var newCV: Double
  /// Samples in the base run.
  package var baseSamples: Int
  /// Samples in the new run.
  package var newSamples: Int
  /// Whether either side stopped on its budget before reaching its CI target.
  package var stoppedByBudget: Bool
  /// Earlier runs of commits measured at least twice, whose medians gave the run-to-run noise (fewer than 3:
  /// the threshold applies).
  package var historyRuns: Int
  /// The larger drift between the two halves of either run's samples (|log ratio of their medians|):
  /// how much a run moves within itself.
  package var drift: Double
  /// The change a verdict needs, as a fraction: the threshold, the 99% interval of two runs' ratio from the
  /// same-commit spread of earlier runs (`RunComparison.band`), or the drift within the runs, whichever is
  /// largest.
  package var band: Double
  /// Regression, improvement, unchanged or inconclusive (see `Verdict`).
  package var verdict: Verdict

  /// (new / base − 1) × 100.
  package var changePercent: Double { (ratio - 1) * 100 }
}

/// Two runs compared point by point, with a geometric-mean row and the exit code of `compare`.
package struct RunComparison: Codable, Sendable {
  /// The schema string of `compare --format json`.
  package static let schemaVersion = "lrd-bench/compare@2"
  /// The schema of this result.
  package var schema = RunComparison.schemaVersion
  /// The run compared against.
  package var base: RunRecord
  /// The run being judged.
  package var new: RunRecord
  /// Threshold, significance level and correction.
  package var settings: ComparisonSettings
  /// Every point present in both runs, in the new run's order.
  package var points: [PointComparison]
  /// Geometric mean of the ratios over every compared point, with a 95% CI (log-normal, from each
  /// point's CI).
  package var geometricMean: Double
  /// Lower bound of the geometric mean's 95% CI.
  package var geometricMeanLow: Double
  /// Upper bound of the geometric mean's 95% CI.
  package var geometricMeanHigh: Double
  /// The band of the geometric mean: the threshold, or the 99% prediction interval of the geometric
  /// mean of a run's medians from the earlier runs that measured every compared point (three or more).
  package var geometricMeanBand: Double
  /// Regression or improvement when the geometric mean moved beyond its band with its CI excluding 1
  /// (a suite-wide change that no single point shows beyond its own band); unchanged otherwise.
  package var geometricMeanVerdict: PointComparison.Verdict
  /// Points measured only in the base run.
  package var onlyInBase: [String]
  /// Points measured only in the new run.
  package var onlyInNew: [String]

  /// The change a verdict needs from the earlier runs: the threshold, widened to
  /// t(0.995, k)·σ·√2 — the half-width of a 99% interval for the log ratio of two runs of one build, each
  /// with run-to-run SD σ.
  ///
  /// σ comes from runs of the *same commit* only (a real change between commits is not noise): each run's
  /// log median minus the median of its commit's runs, robustly as 1.4826 × the median absolute residual
  /// (one odd run does not widen the band for nights to come), with k = runs − commits degrees of freedom;
  /// the threshold alone while k < 2.
  package static func band(_ runs: [(commit: String, median: Double)], _ settings: ComparisonSettings)
    -> Double
  {
    var groups: [String: [Double]] = [:]
    for run in runs where run.median > 0 && run.median.isFinite {
      groups[run.commit, default: []].append(log(run.median))
    }
    var residuals: [Double] = []
    var k = 0
    for logs in groups.values where logs.count >= 2 {
      let center = SampleStatistics.quantile(logs.sorted(), 0.5)
      residuals += logs.map { abs($0 - center) }
      k += logs.count - 1
    }
    guard k >= 2 else { return settings.threshold }
    let n = Double(residuals.count)
    let sigma = 1.4826 * SampleStatistics.quantile(residuals.sorted(), 0.5) * (n / Double(k)).squareRoot()
    let halfWidth = StudentT.quantile995(degreesOfFreedom: k) * sigma * 2.0.squareRoot()
    return max(settings.threshold, exp(halfWidth) - 1)
  }

  /// How many of these runs' commits were measured at least twice (the runs that give the band its spread).
  static func sameCommitRuns(_ commits: [String]) -> Int {
    var counts: [String: Int] = [:]
    for commit in commits { counts[commit, default: 0] += 1 }
    return counts.values.filter { $0 >= 2 }.reduce(0, +)
  }

  /// |log(median of the first half / median of the second half)| of a run's samples, in measurement
  /// order (the rounds of a suite run: how much the run moved within itself); 0 below 4 samples.
  package static func drift(_ samples: [Double]) -> Double {
    guard samples.count >= 4 else { return 0 }
    let half = samples.count / 2
    let first = SampleStatistics.quantile(samples[..<half].sorted(), 0.5)
    let second = SampleStatistics.quantile(samples[half...].sorted(), 0.5)
    guard first > 0, second > 0 else { return 0 }
    return abs(log(first / second))
  }

  /// 2 when any point (or the geometric mean) regressed, else 4 when any improved, else 0
  /// (package-benchmark's convention).
  package var exitCode: Int32 {
    let verdicts = points.map(\.verdict) + [geometricMeanVerdict]
    if verdicts.contains(.regression) { return 2 }
    if verdicts.contains(.improvement) { return 4 }
    return 0
  }

  /// How many points got `verdict`.
  package func count(_ verdict: PointComparison.Verdict) -> Int {
    points.filter { $0.verdict == verdict }.count
  }

  /// Compares `new` with `base` (points matched by name).
  ///
  /// `history` holds each earlier run of the same suite on the same machine (the base run included): its
  /// commit and its medians by point name. Runs of a commit measured more than once give the run-to-run
  /// spread a change must also exceed (`band`; samples within one run do not show how much a whole run moves
  /// on a shared machine).
  package init(
    base: (run: RunRecord, points: [PointRecord]), new: (run: RunRecord, points: [PointRecord]),
    settings: ComparisonSettings, history: [(commit: String, medians: [String: Double])] = []
  ) {
    self.base = base.run
    self.new = new.run
    self.settings = settings
    let baseByName = Dictionary(base.points.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let matched = new.points.filter { baseByName[$0.name] != nil && !$0.samples.isEmpty }
    onlyInBase = base.points.map(\.name).filter { name in !new.points.contains { $0.name == name } }
    onlyInNew = new.points.map(\.name).filter { baseByName[$0] == nil }
    var raw: [(PointRecord, PointRecord, UnpairedComparison)] = []
    for point in matched {
      let old = baseByName[point.name]!
      guard !old.samples.isEmpty else { continue }
      raw.append(
        (
          old, point,
          UnpairedComparison(baseline: old.samples, candidate: point.samples, seed: FNV1a.hash(point.name))
        ))
    }
    let adjusted = settings.correction.adjust(raw.map(\.2.mannWhitneyP))
    points = zip(raw, adjusted).map { entry, p in
      let (old, point, comparison) = entry
      let earlier = history.compactMap { run in run.medians[point.name].map { (run.commit, $0) } }
        .filter { $0.1 > 0 && $0.1.isFinite }
      let drift = max(Self.drift(old.samples), Self.drift(point.samples))
      let t = max(Self.band(earlier, settings), exp(drift) - 1)
      let significant = p < settings.alpha
      let verdict: PointComparison.Verdict
      if significant && comparison.ratio > 1 + t {
        verdict = .regression
      } else if significant && comparison.ratio < 1 - t {
        verdict = .improvement
      } else if comparison.ratioCI.lower >= 1 - t && comparison.ratioCI.upper <= 1 + t {
        verdict = .unchanged
      } else {
        verdict = .inconclusive
      }
      return PointComparison(
        name: point.name, baseMedian: comparison.baseline.median, newMedian: comparison.candidate.median,
        ratio: comparison.ratio, ciLow: comparison.ratioCI.lower, ciHigh: comparison.ratioCI.upper,
        mannWhitneyP: comparison.mannWhitneyP, adjustedP: p, baseCV: old.cv, newCV: point.cv,
        baseSamples: old.samples.count, newSamples: point.samples.count,
        stoppedByBudget: !old.reachedTarget || !point.reachedTarget,
        historyRuns: Self.sameCommitRuns(earlier.map(\.0)), drift: drift,
        band: t,
        verdict: verdict)
    }
    let logs = points.map { log($0.ratio) }
    let errors = points.map { (log($0.ciHigh) - log($0.ciLow)) / (2 * 1.959_964) }
    let n = Double(max(points.count, 1))
    let mean = logs.reduce(0, +) / n
    let se = errors.reduce(0) { $0 + $1 * $1 }.squareRoot() / n
    geometricMean = points.isEmpty ? .nan : exp(mean)
    geometricMeanLow = points.isEmpty ? .nan : exp(mean - 1.959_964 * se)
    geometricMeanHigh = points.isEmpty ? .nan : exp(mean + 1.959_964 * se)
    // The same statistic over earlier runs: the geometric mean of each run's medians over the
    // compared points (runs that measured all of them).
    let names = points.map(\.name)
    let scores = history.compactMap { run -> (commit: String, median: Double)? in
      let values = names.compactMap { run.medians[$0] }.filter { $0 > 0 && $0.isFinite }
      guard values.count == names.count, !names.isEmpty else { return nil }
      return (run.commit, exp(values.map { log($0) }.reduce(0, +) / Double(values.count)))
    }
    geometricMeanBand = Self.band(scores, settings)
    if !points.isEmpty && geometricMeanLow > 1 && geometricMean > 1 + geometricMeanBand {
      geometricMeanVerdict = .regression
    } else if !points.isEmpty && geometricMeanHigh < 1 && geometricMean < 1 - geometricMeanBand {
      geometricMeanVerdict = .improvement
    } else if !points.isEmpty && geometricMeanLow >= 1 - geometricMeanBand
      && geometricMeanHigh <= 1 + geometricMeanBand
    {
      geometricMeanVerdict = .unchanged
    } else {
      geometricMeanVerdict = .inconclusive
    }
  }
}
