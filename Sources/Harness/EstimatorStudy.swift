import Foundation
import Profiling
import Statistics
import Support

/// Offline evaluation of paired-ratio estimators and interval methods on recorded samples (issue 10.15): each
/// recorded paired measurement (`RecordedPairs`, from `lrd-bench selftest --record`) is scored for every
/// combination.
///
/// A/A measurements give the false-positive rate, injected ones the detection rate; the interval's half-width
/// is the precision; the estimates from the first and second half of a measurement agreeing within ±2% is the
/// stability.
package enum EstimatorStudy {
  /// How one measurement's pairs become a ratio (on the log scale).
  package enum Estimator: String, CaseIterable, Codable, Sendable {
    case pairMedian = "median of per-pair log ratios"
    case blockMedian = "median of ABBA-block log ratios"
    case blockHodgesLehmann = "Hodges–Lehmann of ABBA-block log ratios"
    case blockTrimmedMean = "10%-trimmed mean of ABBA-block log ratios"
    case minimumRatio = "ratio of minimums"

    /// The estimate of ln(t_B / t_A).
    package func estimate(_ d: [Double], blocks: [Double], a: [Double], b: [Double]) -> Double {
      switch self {
      case .pairMedian: return Estimators.median(d)
      case .blockMedian: return Estimators.median(blocks)
      case .blockHodgesLehmann: return Estimators.hodgesLehmann(blocks)
      case .blockTrimmedMean: return Estimators.trimmedMean(blocks, 0.1)
      case .minimumRatio: return log((b.min() ?? .nan) / (a.min() ?? .nan))
      }
    }
  }

  /// How the 95% interval is made.
  package enum Interval: String, CaseIterable, Codable, Sendable {
    case movingBlockBootstrap = "moving-block bootstrap of the pairs (blocks of ⌈n^⅓⌉)"
    case blockBootstrap = "bootstrap of ABBA blocks"
    case orderStatistics = "order statistics of ABBA blocks (median estimators only)"
  }

  /// One row of the study.
  package struct Row: Codable, Sendable {
    /// The ratio estimator scored.
    package var estimator: Estimator
    /// The interval method scored.
    package var interval: Interval
    /// A/A measurements in the recording.
    package var aaMeasurements: Int
    /// A/A measurements whose interval excluded 1 (false positives).
    package var aaFlagged: Int
    /// Injected slowdown → measurements whose interval lay above 1 (detections).
    package var detections: [Double: Int]
    /// Injected slowdown → measurements with that slowdown in the recording.
    package var injectedMeasurements: [Double: Int]
    /// Mean ±half-width of the interval on the A/A measurements (fraction).
    package var meanHalfWidth: Double
    /// Share of A/A measurements whose two halves' estimates agree within ±2%.
    package var halvesAgree: Double
  }

  /// Scores every estimator × interval on `recorded`.
  package static func evaluate(_ recorded: [RecordedPairs], replicates: Int = 1000) -> [Row] {
    var rows: [Row] = []
    for estimator in Estimator.allCases {
      for interval in Interval.allCases {
        if interval == .orderStatistics && ![.pairMedian, .blockMedian].contains(estimator) { continue }
        var row = Row(
          estimator: estimator, interval: interval, aaMeasurements: 0, aaFlagged: 0, detections: [:],
          injectedMeasurements: [:], meanHalfWidth: 0, halvesAgree: 0)
        var widths = 0.0
        var agree = 0
        for (index, record) in recorded.enumerated() {
          let ci = interval95(
            record.a, record.b, estimator, interval, replicates: replicates, seed: UInt64(index))
          if record.injected == 0 {
            row.aaMeasurements += 1
            if ci.lower > 0 || ci.upper < 0 { row.aaFlagged += 1 }
            widths += (exp((ci.upper - ci.lower) / 2) - 1)
            let half = record.a.count / 4 * 2
            if half >= 4 {
              let first = point(Array(record.a[0..<half]), Array(record.b[0..<half]), estimator)
              let second = point(
                Array(record.a[half..<(2 * half)]), Array(record.b[half..<(2 * half)]), estimator)
              if abs(exp(first - second) - 1) <= 0.02 { agree += 1 }
            }
          } else {
            row.injectedMeasurements[record.injected, default: 0] += 1
            if ci.lower > 0 { row.detections[record.injected, default: 0] += 1 }
          }
        }
        row.meanHalfWidth = row.aaMeasurements > 0 ? widths / Double(row.aaMeasurements) : .nan
        row.halvesAgree = row.aaMeasurements > 0 ? Double(agree) / Double(row.aaMeasurements) : .nan
        rows.append(row)
      }
    }
    return rows
  }

  /// A sampling rule, simulated on a recorded measurement by using a prefix of its pairs (pairs are
  /// taken at a steady rate, so a prefix of k pairs is what a budget of k/n of the recorded one gives).
  package enum Rule: String, CaseIterable, Codable, Sendable {
    case fixedBase = "fixed budget B (1/8 of the record)"
    case fixedCap = "fixed budget 4B"
    case fixedAll = "fixed budget 8B (the whole record)"
    case targetOrBase = "stop at the CI target, else at B"
    case targetOrGrow = "stop at the CI target; past B grow up to 4B while the projection reaches the target"
  }

  /// One rule's outcome over the A/A measurements of a recording.
  package struct RuleRow: Codable, Sendable {
    /// The stopping rule simulated.
    package var rule: Rule
    /// Share of A/A measurements that reached the CI target before the recording ran out.
    package var reachedTarget: Double
    /// Mean pairs used, relative to the recorded total.
    package var cost: Double
    /// Share of A/A measurements whose interval excluded 1 when the rule stopped.
    package var falsePositives: Double
    /// Mean half-width of the interval when the rule stopped, as a fraction.
    package var meanHalfWidth: Double
  }

  /// Simulates each rule with the chosen statistics (median of per-pair log ratios, ABBA-block
  /// bootstrap) and the sampler's stop check at `target`.
  package static func evaluateRules(_ recorded: [RecordedPairs], target: Double = 0.01, replicates: Int = 300)
    -> [RuleRow]
  {
    let measurements = recorded.filter { $0.injected == 0 && $0.a.count >= 80 }
    return Rule.allCases.map { rule in
      var reached = 0
      var cost = 0.0
      var flagged = 0
      var widths = 0.0
      for (index, record) in measurements.enumerated() {
        let n = record.a.count / 2 * 2
        let base = max(n / 16 * 2, 10)
        let cap = min(n / 4 * 2, n)
        func hw(_ k: Int) -> Double {
          Sampler.pairedHalfWidth(Array(record.a[0..<k]), Array(record.b[0..<k]))
        }
        var used = n
        switch rule {
        case .fixedBase: used = base
        case .fixedCap: used = cap
        case .fixedAll: used = n
        case .targetOrBase:
          used = stride(from: 10, through: base, by: 2).first { hw($0) <= target } ?? base
        case .targetOrGrow:
          if let early = stride(from: 10, through: base, by: 2).first(where: { hw($0) <= target }) {
            used = early
          } else {
            used = base
            while used < cap {
              let projected = Double(used) * pow(hw(used) / target, 2)
              if projected > Double(cap) { break }
              used = min(used + 2, cap)
              if hw(used) <= target { break }
            }
          }
        }
        let a = Array(record.a[0..<used])
        let b = Array(record.b[0..<used])
        let ci = interval95(a, b, .pairMedian, .blockBootstrap, replicates: replicates, seed: UInt64(index))
        let width = exp((ci.upper - ci.lower) / 2) - 1
        if width <= target { reached += 1 }
        if ci.lower > 0 || ci.upper < 0 { flagged += 1 }
        widths += width
        cost += Double(used) / Double(n)
      }
      let count = Double(max(measurements.count, 1))
      return RuleRow(
        rule: rule, reachedTarget: Double(reached) / count, cost: cost / count,
        falsePositives: Double(flagged) / count,
        meanHalfWidth: widths / count)
    }
  }

  /// Per-pair log ratios and ABBA-block log ratios (the mean of two consecutive rounds, one AB and one BA).
  static func series(_ a: [Double], _ b: [Double]) -> (pairs: [Double], blocks: [Double]) {
    let d = PairedComparison.logRatios(a, b)
    let blocks = stride(from: 0, to: d.count - 1, by: 2).map { (d[$0] + d[$0 + 1]) / 2 }
    return (d, blocks)
  }

  static func point(_ a: [Double], _ b: [Double], _ estimator: Estimator) -> Double {
    let (d, blocks) = series(a, b)
    return estimator.estimate(d, blocks: blocks, a: a, b: b)
  }

  /// The 95% interval of the log ratio.
  static func interval95(
    _ a: [Double], _ b: [Double], _ estimator: Estimator, _ interval: Interval, replicates: Int, seed: UInt64
  ) -> (lower: Double, upper: Double) {
    let (d, blocks) = series(a, b)
    var rng = SplitMix64(seed: seed)
    switch interval {
    case .orderStatistics:
      let values = (estimator == .pairMedian ? d : blocks).sorted()
      let k = SampleStatistics.orderStatisticRank(n: values.count, alpha: 0.05)
      guard k >= 1 else { return (-.infinity, .infinity) }
      return (values[k - 1], values[values.count - k])
    case .blockBootstrap:
      // Resample whole ABBA blocks (both rounds of a block together).
      let count = blocks.count
      guard count > 1 else { return (-.infinity, .infinity) }
      var estimates: [Double] = []
      for _ in 0..<replicates {
        var ra: [Double] = []
        var rb: [Double] = []
        var rd: [Double] = []
        var rblocks: [Double] = []
        for _ in 0..<count {
          let j = Int(rng.next() % UInt64(count))
          ra += [a[2 * j], a[2 * j + 1]]
          rb += [b[2 * j], b[2 * j + 1]]
          rd += [d[2 * j], d[2 * j + 1]]
          rblocks.append(blocks[j])
        }
        estimates.append(estimator.estimate(rd, blocks: rblocks, a: ra, b: rb))
      }
      estimates.sort()
      return (SampleStatistics.quantile(estimates, 0.025), SampleStatistics.quantile(estimates, 0.975))
    case .movingBlockBootstrap:
      let n = d.count
      guard n > 1 else { return (-.infinity, .infinity) }
      let length = PairedComparison.blockLength(n)
      let starts = max(n - length + 1, 1)
      var estimates: [Double] = []
      for _ in 0..<replicates {
        var indices: [Int] = []
        while indices.count < n {
          let start = Int(rng.next() % UInt64(starts))
          for offset in 0..<length where indices.count < n { indices.append(min(start + offset, n - 1)) }
        }
        let ra = indices.map { a[$0] }
        let rb = indices.map { b[$0] }
        let rd = indices.map { d[$0] }
        let rblocks = stride(from: 0, to: rd.count - 1, by: 2).map { (rd[$0] + rd[$0 + 1]) / 2 }
        estimates.append(estimator.estimate(rd, blocks: rblocks, a: ra, b: rb))
      }
      estimates.sort()
      return (SampleStatistics.quantile(estimates, 0.025), SampleStatistics.quantile(estimates, 0.975))
    }
  }
}
