import Foundation
import Profiling
import Store
import Support

/// How `compare` corrects p-values for testing every point of a suite at once.
public enum Correction: String, Codable, Sendable, CaseIterable {
  /// Holm–Bonferroni: controls the family-wise error rate.
  case holm
  /// Benjamini–Hochberg: controls the false discovery rate.
  case bh
  case none

  /// Adjusted p-values in the order of `p`.
  public func adjust(_ p: [Double]) -> [Double] {
    let m = p.count
    guard m > 1, self != .none else { return p }
    let order = p.indices.sorted { p[$0] < p[$1] }
    var adjusted = [Double](repeating: 1, count: m)
    switch self {
    case .holm:
      var running = 0.0
      for (rank, index) in order.enumerated() {
        running = max(running, min(1, Double(m - rank) * p[index]))
        adjusted[index] = running
      }
    case .bh:
      var running = 1.0
      for (rank, index) in order.enumerated().reversed() {
        running = min(running, min(1, p[index] * Double(m) / Double(rank + 1)))
        adjusted[index] = running
      }
    case .none:
      return p
    }
    return adjusted
  }
}

/// The settings of a comparison.
public struct ComparisonSettings: Codable, Sendable, Equatable {
  /// A change smaller than this fraction is never a regression or an improvement (default 3%).
  public var threshold: Double
  /// Significance level after correction (default 0.01).
  public var alpha: Double
  public var correction: Correction
  /// How many run-to-run standard deviations (of log medians over the earlier runs) a change must
  /// exceed when at least three earlier runs are known (default 3).
  public var noiseMultiple: Double

  public init(
    threshold: Double = 0.03, alpha: Double = 0.01, correction: Correction = .holm, noiseMultiple: Double = 3
  ) {
    self.threshold = threshold
    self.alpha = alpha
    self.correction = correction
    self.noiseMultiple = noiseMultiple
  }
}

/// One point compared between two runs (independent sample sets).
public struct PointComparison: Codable, Sendable, Equatable {
  public enum Verdict: String, Codable, Sendable {
    /// Slower beyond the threshold, significantly.
    case regression
    /// Faster beyond the threshold, significantly.
    case improvement
    /// Within the threshold with confidence (the ratio's CI fits inside ±threshold) or not significant.
    case unchanged
    /// Too noisy to decide: not significant, and the ratio's CI is wider than ±threshold.
    case unstable
  }

  public var name: String
  /// Seconds per call (medians).
  public var baseMedian: Double
  public var newMedian: Double
  /// new / base medians, with the percentile-bootstrap 95% CI (sets resampled independently).
  public var ratio: Double
  public var ciLow: Double
  public var ciHigh: Double
  public var mannWhitneyP: Double
  public var adjustedP: Double
  public var baseCV: Double
  public var newCV: Double
  public var baseSamples: Int
  public var newSamples: Int
  /// Whether either side stopped on its budget before reaching its CI target.
  public var stoppedByBudget: Bool
  /// Earlier runs whose medians gave the run-to-run noise (0: none known, the threshold applies).
  public var historyRuns: Int
  /// The change a verdict needs, as a fraction: the threshold, or noiseMultiple × the run-to-run
  /// standard deviation of log medians when that is larger.
  public var band: Double
  public var verdict: Verdict

  /// (new / base − 1) × 100.
  public var changePercent: Double { (ratio - 1) * 100 }
}

/// Two runs compared point by point, with a geometric-mean row and the exit code of `compare`.
public struct RunComparison: Codable, Sendable {
  public static let schemaVersion = "lrd-bench/compare@1"
  public var schema = RunComparison.schemaVersion
  public var base: RunRecord
  public var new: RunRecord
  public var settings: ComparisonSettings
  public var points: [PointComparison]
  /// Geometric mean of the ratios over every compared point, with a 95% CI (log-normal, from each
  /// point's CI).
  public var geometricMean: Double
  public var geometricMeanLow: Double
  public var geometricMeanHigh: Double
  public var onlyInBase: [String]
  public var onlyInNew: [String]

  /// The change a verdict needs: the threshold, widened to `noiseMultiple` standard deviations of the
  /// log medians of three or more earlier runs.
  public static func band(_ medians: [Double], _ settings: ComparisonSettings) -> Double {
    guard medians.count >= 3 else { return settings.threshold }
    let logs = medians.map { log($0) }
    let mean = logs.reduce(0, +) / Double(logs.count)
    let sd = (logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(logs.count - 1)).squareRoot()
    return max(settings.threshold, exp(settings.noiseMultiple * sd) - 1)
  }

  /// 2 when any point regressed, else 4 when any improved, else 0 (package-benchmark's convention).
  public var exitCode: Int32 {
    if points.contains(where: { $0.verdict == .regression }) { return 2 }
    if points.contains(where: { $0.verdict == .improvement }) { return 4 }
    return 0
  }

  public func count(_ verdict: PointComparison.Verdict) -> Int {
    points.filter { $0.verdict == verdict }.count
  }

  /// Compares `new` with `base` (points matched by name). `history` holds, per point name, the
  /// medians of earlier runs of the same suite on the same machine (the base run included): with
  /// three or more, a change must also exceed their run-to-run spread (samples within one run do not
  /// show how much a whole run moves on a shared machine).
  public init(
    base: (run: RunRecord, points: [PointRecord]), new: (run: RunRecord, points: [PointRecord]),
    settings: ComparisonSettings, history: [String: [Double]] = [:]
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
      let earlier = history[point.name, default: []].filter { $0 > 0 && $0.isFinite }
      let t = Self.band(earlier, settings)
      let significant = p < settings.alpha
      let verdict: PointComparison.Verdict
      if significant && comparison.ratio > 1 + t {
        verdict = .regression
      } else if significant && comparison.ratio < 1 - t {
        verdict = .improvement
      } else if comparison.ratioCI.upper - comparison.ratioCI.lower > 2 * t {
        verdict = .unstable
      } else {
        verdict = .unchanged
      }
      return PointComparison(
        name: point.name, baseMedian: comparison.baseline.median, newMedian: comparison.candidate.median,
        ratio: comparison.ratio, ciLow: comparison.ratioCI.lower, ciHigh: comparison.ratioCI.upper,
        mannWhitneyP: comparison.mannWhitneyP, adjustedP: p, baseCV: old.cv, newCV: point.cv,
        baseSamples: old.samples.count, newSamples: point.samples.count,
        stoppedByBudget: !old.reachedTarget || !point.reachedTarget, historyRuns: earlier.count, band: t,
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
  }
}
