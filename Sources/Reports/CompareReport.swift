import Foundation
import Results
import Suites

/// `lrd-bench compare`: every point's change with its CI, test and verdict, a geometric-mean row,
/// the points stopped by budget, and the exit code's meaning.
package enum CompareReport {
  static func percent(_ ratio: Double) -> String {
    let v = (ratio - 1) * 100
    return (v >= 0 ? "+" : "") + Format.fixed(v, 2) + "%"
  }

  /// The comparison as Markdown: settings, the per-point table, the geometric mean, the summary and the exit
  /// status.
  package static func markdown(_ c: RunComparison) -> String {
    var lines = [
      "# Comparison: run \(c.new.title) against \(c.base.title)", "",
      "Machine \(c.new.machineKey)\(c.new.machineKey == c.base.machineKey ? "" : " vs \(c.base.machineKey) (different machines)"); "
        + "commits \(c.base.commit) → \(c.new.commit); builds \(c.base.build) → \(c.new.build).",
      "Verdicts: a change is a regression or an improvement only when it is beyond its band and significant at "
        + "α = \(c.settings.alpha) (Mann–Whitney U, \(c.settings.correction.rawValue) correction over "
        + "\(c.points.count) points). The band is the largest of ±\(Format.fixed(c.settings.threshold * 100, 1))%, "
        + "the drift between the two halves of either run (each run's samples span the run), and — once three or "
        + "more earlier runs of commits measured at least twice are known — t(0.995)·σ·√2, σ the robust (MAD) "
        + "run-to-run SD of one commit's runs (whole runs move more than the samples within one run show). "
        + "Unchanged only when the ratio's whole 95% CI lies within ±band; inconclusive otherwise.",
      "",
    ]
    var table = MarkdownTable(
      header: [
        "point", "base", "new", "change (95% CI)", "band", "p (adj.)", "CV base / new", "n", "verdict",
      ],
      alignment: [.left, .right, .right, .right, .right, .right, .right, .right, .left])
    for p in c.points {
      table.append([
        p.name + (p.stoppedByBudget ? " †" : ""), Format.duration(p.baseMedian), Format.duration(p.newMedian),
        "\(percent(p.ratio)) [\(percent(p.ciLow)), \(percent(p.ciHigh))]",
        "±\(Format.fixed(p.band * 100, 1))%" + (p.historyRuns >= 3 ? " (\(p.historyRuns) runs)" : ""),
        Format.pValue(p.adjustedP),
        "\(Format.percent(p.baseCV, digits: 1)) / \(Format.percent(p.newCV, digits: 1))",
        "\(p.baseSamples) / \(p.newSamples)", verdictText(p.verdict),
      ])
    }
    table.append([
      "**geometric mean**", "", "",
      "\(percent(c.geometricMean)) [\(percent(c.geometricMeanLow)), \(percent(c.geometricMeanHigh))]",
      "±\(Format.fixed(c.geometricMeanBand * 100, 1))%", "", "", "", verdictText(c.geometricMeanVerdict),
    ])
    lines.append(table.text)
    lines.append(
      "Summary: \(c.count(.regression)) regression(s), \(c.count(.improvement)) improvement(s), "
        + "\(c.count(.inconclusive)) inconclusive, \(c.count(.unchanged)) unchanged; the geometric mean: "
        + "\(c.geometricMeanVerdict.rawValue).")
    let budget = c.points.filter(\.stoppedByBudget).map(\.name)
    if !budget.isEmpty {
      lines.append(
        "† stopped by budget before reaching the CI target in one of the runs: \(budget.joined(separator: ", "))."
      )
    }
    let few = c.points.filter { min($0.baseSamples, $0.newSamples) < 9 }.map(\.name)
    if !few.isEmpty {
      lines.append("Fewer than 9 samples on a side (the U test is weak): \(few.joined(separator: ", ")).")
    }
    if !c.onlyInBase.isEmpty {
      lines.append("Only in the base run: \(c.onlyInBase.joined(separator: ", ")).")
    }
    if !c.onlyInNew.isEmpty { lines.append("Only in the new run: \(c.onlyInNew.joined(separator: ", ")).") }
    if c.base.suiteDigest != c.new.suiteDigest {
      lines.append("The two runs used different versions of the suite file (digests differ).")
    }
    lines.append("")
    lines.append("Exit status \(c.exitCode): " + exitMeaning(c.exitCode) + ".")
    return lines.joined(separator: "\n") + "\n"
  }

  static func verdictText(_ verdict: PointComparison.Verdict) -> String {
    switch verdict {
    case .regression: return "**regression**"
    case .improvement: return "improvement"
    case .unchanged: return "unchanged"
    case .inconclusive: return "inconclusive ?"
    }
  }

  /// What `compare`'s exit status means.
  package static func exitMeaning(_ code: Int32) -> String {
    switch code {
    case 0: return "no regression"
    case 2: return "at least one regression"
    case 4: return "improvements only"
    case 5: return "no baseline to compare with"
    default: return "error"
    }
  }

  /// The comparison as JSON (`lrd-bench/compare@1`).
  package static func json(_ c: RunComparison) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(c), as: UTF8.self) + "\n"
  }

  /// The largest changes (up to 12, by |log ratio|) as bars with CI whiskers.
  package static func svg(_ c: RunComparison) -> String {
    let biggest = c.points.sorted { abs(log($0.ratio)) > abs(log($1.ratio)) }.prefix(12)
    let chart = SVGBarChart(
      title: "Largest changes: run #\(c.new.id) vs #\(c.base.id)",
      subtitle: "change of the median time per call, 95% CI (positive = slower)", yLabel: "change %",
      groups: biggest.map(\.name),
      series: [
        (
          "change",
          biggest.map {
            SVGBarChart.Bar(
              value: ($0.ratio - 1) * 100, low: ($0.ciLow - 1) * 100, high: ($0.ciHigh - 1) * 100)
          }
        )
      ])
    return chart.render()
  }
}
