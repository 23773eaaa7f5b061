import Foundation
import Harness

/// `lrd-bench ranks`: the paper's Table 2 (layer, in, out, α ranks, optimized ranks or ORG) measured here.
public enum RanksReport {
  static func choice(_ row: RanksRow, _ policy: String) -> String {
    guard let value = row.choices[policy] else { return "—" }
    return value.map(String.init) ?? "ORG"
  }

  public static func markdown(_ r: RanksResult) -> String {
    var lines = [
      "# Ranks before and after rank optimization: \(r.model.displayName)",
      "",
      "α = \(Format.fixed(r.ratio, 2)); batch \(r.batch), \(r.mode), \(r.threads); \(r.fingerprint.cpuModel), "
        + "OpenBLAS \(r.fingerprint.openBLAS.version) (\(r.fingerprint.openBLAS.coreName)). \(r.sweeps) distinct shapes swept "
        + "(\(r.points) points) in \(Progress.clock(r.elapsedSeconds)); layers of identical shape share one sweep.",
      "",
      FingerprintText.blasCore(r.fingerprint) + ".",
      "",
    ]
    var header = ["Layer", "# In Channels", "# Out Channels", "\(Format.fixed(r.ratio, 0))x Ranks"]
    header += r.policies.map { "Optimized (\($0))" }
    header += r.policies.map { "speed-up (\($0))" }
    var table = MarkdownTable(
      header: header,
      alignment: [.left, .right, .right, .right] + r.policies.map { _ in .right }
        + r.policies.map { _ in .right })
    for row in r.rows {
      table.append(
        [
          row.layer + (row.measuredAs == row.layer ? "" : " ¹"), String(row.inChannels),
          String(row.outChannels), String(row.alphaRank),
        ]
          + r.policies.map { choice(row, $0.rawValue) }
          + r.policies.map { Format.ratio(row.speedups[$0.rawValue] ?? 1) })
    }
    lines.append(table.text)
    lines.append("¹ same shape as an earlier layer; its sweep is reused.")
    lines.append("")
    lines.append(
      "ORG: the original layer is kept (no rank in the window was faster by the policy's rule; robust also requires the "
        + "interleaved check to confirm the speed-up). Ranks are r for SVD (1×1, fc) and r1 for Tucker-2 "
        + "(r2 = ⌊β·r1⌋). Per-layer sweeps (CSV, JSON, SVG) are in sweeps/<layer>/.")
    if r.interrupted {
      lines += [
        "", "**Interrupted**: partial table. Continue with `lrd-bench ranks --resume <this directory>`.",
      ]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func csv(_ r: RanksResult) -> String {
    var table = CSVTable(
      header: ["layer", "in_channels", "out_channels", "kernel", "alpha_factorization", "alpha_rank"]
        + r.policies.map { "optimized_\($0.rawValue)" } + r.policies.map { "speedup_\($0.rawValue)" }
        + ["measured_as", "original_s"])
    for row in r.rows {
      table.append(
        [
          row.layer, String(row.inChannels), String(row.outChannels), String(row.kernel),
          row.alphaFactorization, String(row.alphaRank),
        ]
          + r.policies.map { choice(row, $0.rawValue) }
          + r.policies.map { Format.fixed(row.speedups[$0.rawValue] ?? 1, 4) }
          + [row.measuredAs, String(format: "%.6e", row.originalSeconds)])
    }
    return table.text
  }

  public static func write(_ r: RanksResult, to directory: ResultDirectory) throws {
    try directory.write(markdown(r), to: "ranks.md")
    try directory.write(csv(r), to: "ranks.csv")
    try directory.write(try JSONCoding.encoder.encode(r), to: "ranks.json")
  }
}

/// `lrd-bench branches`: branched Tucker time vs number of branches (the paper's Figure 5, one layer).
public enum BranchesReport {
  public static func markdown(_ r: BranchesResult) -> String {
    var lines = [
      "# Branched Tucker: \(r.layer.name) (\(r.model), \(r.layer.shape))",
      "",
      "α = \(Format.fixed(r.ratio, 2)) ranks rounded down to multiples of N; batch \(r.batch), \(r.mode), \(r.threads); "
        + "\(r.fingerprint.cpuModel), OpenBLAS \(r.fingerprint.openBLAS.version). Original: \(Format.duration(r.referenceSeconds)) "
        + "(\(r.references.count) measurements).",
      "",
      FingerprintText.blasCore(r.fingerprint) + ".",
      "",
    ]
    var table = MarkdownTable(
      header: [
        "N", "factorization", "time", "±CI", "images/s", "speed-up", "Δparams", "ΔFLOPs", "rel. error",
      ],
      alignment: [.right, .left, .right, .right, .right, .right, .right, .right, .right])
    for p in r.points {
      let s = p.result.measurement.statistics
      table.append([
        String(p.branches), p.factorization.description, Format.duration(s.median),
        Format.percent(s.relativeHalfWidth, digits: 1),
        Format.fixed(p.result.imagesPerSecond, 0), Format.ratio(p.speedup),
        Format.signedPercent(p.parametersChangePercent),
        Format.signedPercent(p.flopsChangePercent), Format.fixed(p.result.relativeError, 3),
      ])
    }
    lines.append(table.text)
    lines.append(
      "Speed-up = time of the original (nearest measurement) / time of the branched layer. N = 1 is plain Tucker-2."
    )
    if r.interrupted { lines += ["", "**Interrupted**: partial results."] }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func csv(_ r: BranchesResult) -> String {
    let points = r.references + r.points.map(\.result)
    let branches = Dictionary(uniqueKeysWithValues: r.points.map { ($0.result.sequence, $0.branches) })
    return PointColumns.table(points.sorted { $0.sequence < $1.sequence }, leading: ["branches"]) {
      [branches[$0.sequence].map(String.init) ?? "original"]
    }.text
  }

  public static func svg(_ r: BranchesResult) -> String {
    var chart = SVGChart(
      title: "\(r.layer.name): throughput vs branches (\(r.model), batch \(r.batch), \(r.mode))",
      subtitle: "\(r.layer.shape); α = \(Format.fixed(r.ratio, 2)); \(r.threads); \(r.fingerprint.cpuModel)",
      xLabel: "branches N", yLabel: "throughput (images/s, median)")
    chart.xTickValues = r.points.map { Double($0.branches) }
    chart.series.append(
      .init(
        name: "branched Tucker", color: SVGChart.palette[0],
        points: r.points.map { (Double($0.branches), $0.result.imagesPerSecond) }))
    chart.references.append(
      .init(y: Double(r.batch) / r.referenceSeconds, label: "original layer", color: SVGChart.palette[1]))
    return chart.render()
  }

  public static func write(_ r: BranchesResult, to directory: ResultDirectory) throws {
    try directory.write(markdown(r), to: "branches.md")
    try directory.write(csv(r), to: "branches.csv")
    try directory.write(try JSONCoding.encoder.encode(r), to: "branches.json")
    try directory.write(svg(r), to: "branches.svg")
  }
}
