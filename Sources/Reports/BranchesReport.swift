import Foundation
import Harness
import Results

/// `lrd-bench branches`: branched Tucker time vs number of branches (the paper's Figure 5, one layer).
package enum BranchesReport {
  /// The branch sweep as Markdown: per thread config, throughput and speed-up per branch count with CIs.
  package static func markdown(_ r: BranchesResult) -> String {
    let p = r.plan
    var lines = [
      "# Branched Tucker: \(r.layer.name) (\(p.onnx.map { "\($0)" } ?? p.model.description), \(r.layer.shape))",
      "",
      "α = \(Format.fixed(p.ratio, 2)) ranks rounded down to multiples of N; batch \(p.batch), \(p.mode), \(p.threads). "
        + "Original: \(Format.duration(r.referenceSeconds)) per call (median of the measurements paired with each N).",
      "",
    ]
    lines += ShardText.lines(shard: r.shard, mergedFrom: r.mergedFrom, unit: "branch count")
    lines += FingerprintText.header(r.fingerprint)
    lines.append("")
    var table = MarkdownTable(
      header: [
        "N", "factorization", "time", "images/s", "speed-up (paired, 95% CI)", "Δparams", "ΔFLOPs",
        "rel. error",
      ],
      alignment: [.right, .left, .right, .right, .right, .right, .right, .right])
    for point in r.points {
      table.append([
        String(point.branches), point.factorization.description, Format.duration(point.result.seconds),
        Format.fixed(point.result.imagesPerSecond, 0),
        point.result.comparison.map { DecisionText.speedup($0) } ?? "—",
        Format.signedPercent(point.parametersChangePercent), Format.signedPercent(point.flopsChangePercent),
        Format.fixed(point.result.relativeError, 3),
      ])
    }
    lines.append(table.text)
    lines.append("N = 1 is plain Tucker-2. Comparison method: \(r.comparisonMethod).")
    if lines.contains(where: { $0.contains("]°") }) { lines.append(DecisionText.exactIntervalNote) }
    if r.interrupted {
      lines += [
        "", "**Interrupted**: partial results; resuming this run directory continues it.",
      ]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// One CSV row per (thread config, branch count) with the paired ratio and its CI.
  package static func csv(_ r: BranchesResult) -> String {
    // Never trap on a result that repeats a point (a report writer must not crash a finished run).
    let branches = Dictionary(r.points.map { ($0.result.sequence, $0.branches) }) { first, _ in first }
    return PointColumns.table(
      r.points.map(\.result).sorted { $0.sequence < $1.sequence }, leading: ["branches"]
    ) {
      [branches[$0.sequence].map(String.init) ?? ""]
    }.text
  }

  /// Throughput vs N with 95% CI bars and the original as a reference line (the paper's Figure 5).
  package static func svg(_ r: BranchesResult) -> String {
    let p = r.plan
    var chart = SVGChart(
      title: "\(r.layer.name): throughput vs branches (\(p.model), batch \(p.batch), \(p.mode))",
      subtitle: "\(r.layer.shape); α = \(Format.fixed(p.ratio, 2)); \(p.threads); \(r.fingerprint.cpuModel)",
      xLabel: "branches N", yLabel: "throughput (images/s, median, 95% CI)")
    chart.xTickValues = r.points.map { Double($0.branches) }
    let batch = Double(p.batch)
    chart.series.append(
      .init(
        name: "branched Tucker", color: SVGChart.palette[0],
        points: r.points.map { (Double($0.branches), $0.result.imagesPerSecond) },
        intervals: r.points.map {
          let s = $0.result.measurement.statistics
          return (Double($0.branches), batch / s.medianCI.upper, batch / s.medianCI.lower)
        }))
    let medians = r.points.compactMap { $0.result.pairedReference?.statistics.median }
    chart.references.append(
      .init(
        y: batch / r.referenceSeconds, label: "original layer", color: SVGChart.palette[1],
        band: medians.isEmpty ? nil : (batch / medians.max()!, batch / medians.min()!)))
    return chart.render()
  }

  /// Writes `branches.md`, `branches.csv`, `branches.json` and `branches.svg` into `directory`, atomically.
  package static func write(_ r: BranchesResult, to directory: RunDirectory) throws {
    try directory.write(markdown(r), to: "branches.md")
    try directory.write(csv(r), to: "branches.csv")
    try directory.writeJSON(r, to: "branches.json")
    try directory.write(svg(r), to: "branches.svg")
  }
}
