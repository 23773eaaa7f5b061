import Foundation
import Results
import Suites

/// `lrd-bench history`: a point's median and CI over runs, change points flagged, and an SVG trend.
package enum HistoryReport {
  /// The point's history as Markdown: one row per run with its median, CI and change flag.
  package static func markdown(_ h: PointHistory) -> String {
    var lines = ["# History of \(h.point)", ""]
    var table = MarkdownTable(
      header: ["run", "started", "commit", "median", "95% CI", "samples", "change"],
      alignment: [.left, .left, .left, .right, .right, .right, .left])
    for entry in h.entries {
      let change = entry.change.map {
        "**\($0.direction)** \(CompareReport.percent($0.ratio)) (p \(Format.pValue($0.mannWhitneyP)))"
      }
      table.append([
        "#\(entry.run.id)" + (entry.run.label.map { " \($0)" } ?? ""), entry.run.startedAt,
        String(entry.run.commit.prefix(12)), Format.duration(entry.median),
        "[\(Format.duration(entry.ciLow)), \(Format.duration(entry.ciHigh))]",
        "\(entry.samples)" + (entry.reachedTarget ? "" : " †"), change ?? "",
      ])
    }
    lines.append(table.text)
    lines.append(
      "A change is flagged when a run differs from the previous one by more than "
        + "\(Format.fixed(h.settings.threshold * 100, 1))% with Mann–Whitney p < \(h.settings.alpha); † stopped by budget."
    )
    return lines.joined(separator: "\n") + "\n"
  }

  /// The history as JSON (`lrd-bench/history@1`).
  package static func json(_ h: PointHistory) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(h), as: UTF8.self) + "\n"
  }

  /// Median time per call over runs, with CI bars; change points marked.
  package static func svg(_ h: PointHistory) -> String {
    var chart = SVGChart(
      title: "\(h.point): median time per call over runs",
      subtitle: "95% CI of the median; diamonds: change points",
      xLabel: "run", yLabel: "ms per call")
    chart.xTickValues = h.entries.map { Double($0.run.id) }
    chart.series.append(
      .init(
        name: h.point, color: SVGChart.palette[0],
        points: h.entries.map { (Double($0.run.id), $0.median * 1e3) },
        intervals: h.entries.map { (Double($0.run.id), $0.ciLow * 1e3, $0.ciHigh * 1e3) }))
    chart.markers = h.entries.compactMap { entry in
      entry.change.map {
        SVGChart.Marker(
          x: Double(entry.run.id), y: entry.median * 1e3, label: $0.direction, color: SVGChart.palette[1],
          shape: .diamond)
      }
    }
    return chart.render()
  }
}
