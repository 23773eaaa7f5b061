import Foundation
import Harness
import Profiling

/// The files and summary of a rank sweep: `sweep.csv` (one row per point), `sweep.json` (everything),
/// `sweep.md` (the summary) and `sweep.svg` (throughput vs rank, the paper's Figure 2).
public enum SweepReport {
  /// One row per measured point; `kind` is "reference" for measurements of the original.
  public static func csv(_ result: SweepResult) -> String {
    var kinds: [Int: String] = [:]
    var points: [PointResult] = []
    for config in result.configs {
      for r in config.references { kinds[r.sequence] = "reference" }
      for r in config.ranks { kinds[r.sequence] = "rank" }
      points += config.references + config.ranks
    }
    points.sort { $0.sequence < $1.sequence }
    let table = PointColumns.table(points, leading: ["kind", "rank"]) { point in
      [kinds[point.sequence] ?? "", point.spec.factorization.primaryRank.map(String.init) ?? ""]
    }
    return table.text
  }

  public static func json(_ result: SweepResult) throws -> Data {
    try JSONCoding.encoder.encode(result)
  }

  /// The Markdown summary (also printed on stdout).
  public static func markdown(_ result: SweepResult) -> String {
    let plan = result.plan
    var lines: [String] = []
    lines.append("# Rank sweep: \(result.layer.name) (\(plan.model), \(result.layer.shape))")
    lines.append("")
    let family = result.layer.decomposition == "svd" ? "SVD, rank r" : "Tucker-2, r1 = r, r2 = ⌊β·r⌋"
    lines.append(
      "\(family); ranks \(plan.from) → \(plan.to) step \(plan.step); α = \(Format.fixed(plan.ratio, 2)) gives "
        + "\(result.layer.alphaRank); batch \(plan.batch), \(plan.mode)"
        + (plan.frozen == .none ? "" : ", frozen factors: \(plan.frozen)") + ", cache \(plan.sampler.cache).")
    lines.append("")
    lines.append("Machine: \(result.fingerprint.cpuModel); \(result.fingerprint.topology).")
    lines.append(
      "OpenBLAS \(result.fingerprint.openBLAS.version) (\(result.fingerprint.openBLAS.coreName)); "
        + "\(result.fingerprint.papi); build \(result.fingerprint.buildConfiguration), commit \(result.fingerprint.gitCommit.prefix(12))."
    )
    lines.append(FingerprintText.blasCore(result.fingerprint) + ".")
    lines.append(
      "Per point: CI target ±\(Format.percent(plan.sampler.targetRelativeHalfWidth, digits: 1)) of the median, budget "
        + "\(Format.fixed(plan.sampler.budgetSeconds, 2)) s; decomposition \(Format.duration(result.decompositionSeconds)) "
        + "(once per sweep); total \(Progress.clock(result.elapsedSeconds)).")
    if result.interrupted {
      lines.append("")
      lines.append(
        "**Interrupted**: partial results. Continue with `lrd-bench sweep --resume <this directory>`.")
    }
    for config in result.configs {
      lines.append("")
      lines.append("## \(config.config)")
      lines.append("")
      let ref = config.references
      lines.append(
        "Original: \(Format.duration(config.referenceSeconds)) per call (median of \(ref.count) measurements; drift "
          + "\(Format.percent(config.referenceDrift, digits: 1)))"
          + (config.binding.verified ? ", binding verified" : ", binding NOT verified") + ".")
      lines.append("")
      var table = MarkdownTable(
        header: [
          "policy", "decision", "time", "speed-up", "Δparams", "ΔFLOPs",
          "interleaved check (speed-up, 95% CI, p)",
        ],
        alignment: [.left, .left, .right, .right, .right, .right, .left])
      for decision in config.decisions {
        let time =
          decision.choice.rank == nil
          ? Format.duration(config.referenceSeconds) : Format.duration(decision.choice.timing?.median ?? .nan)
        var check = "—"
        if let c = decision.confirmation {
          check =
            "\(Format.ratio(c.speedup)) [\(Format.ratio(1 / c.ratioCI.upper)), \(Format.ratio(1 / c.ratioCI.lower))], p = \(Format.pValue(c.pValue))"
          if decision.revokedByConfirmation { check += " → not significant, ORG" }
        }
        table.append([
          decision.policy.rawValue, decision.factorization?.description ?? "ORG", time,
          Format.ratio(decision.speedup),
          Format.signedPercent(decision.parametersChangePercent),
          Format.signedPercent(decision.flopsChangePercent), check,
        ])
      }
      lines.append(table.text)
      for decision in config.decisions {
        lines.append("- **\(decision.policy)**: \(decision.choice.reason)")
      }
      let fastest = config.timings.sorted { $0.ratio < $1.ratio }.prefix(5)
      if !fastest.isEmpty {
        lines.append("")
        lines.append(
          "Fastest ranks: "
            + fastest.map { "\($0.rank) (\(Format.duration($0.median)), \(Format.ratio(1 / $0.ratio)))" }
            .joined(separator: ", ")
            + ".")
      }
      let missed = config.pointsMissingTarget
      let total = config.references.count + config.ranks.count
      lines.append("")
      if missed.isEmpty {
        lines.append("All \(total) points reached the CI target.")
      } else {
        let names = missed.prefix(12).map { point -> String in
          let name = point.spec.factorization.primaryRank.map { "rank \($0)" } ?? "original"
          let own = Format.percent(point.measurement.statistics.relativeHalfWidth, digits: 1)
          guard let reference = point.pairedReference else { return "\(name) ±\(own)" }
          return
            "\(name) (±\(own), original alongside ±\(Format.percent(reference.statistics.relativeHalfWidth, digits: 1)))"
        }
        lines.append(
          "\(total - missed.count) of \(total) points reached the CI target; missed: "
            + names.joined(separator: ", ")
            + (missed.count > 12 ? ", …" : "") + ".")
      }
      let faulting = (config.references + config.ranks).filter(\.measurement.pageFaults)
      if !faulting.isEmpty {
        lines.append(
          "Warning: \(faulting.count) points page-fault inside the timed region (see page_faults_per_call).")
      }
    }
    lines.append("")
    lines.append("Comparison method: \(result.comparisonMethod).")
    return lines.joined(separator: "\n") + "\n"
  }

  /// Throughput (images/s) versus rank per thread config, the original as dashed reference lines and
  /// each policy's choice marked (the paper's Figure 2).
  public static func svg(_ result: SweepResult) -> String {
    let family = result.layer.decomposition == "svd" ? "rank r" : "rank r1 (r2 = ⌊β·r1⌋)"
    var chart = SVGChart(
      title:
        "\(result.layer.name): throughput vs rank (\(result.plan.model), batch \(result.plan.batch), \(result.plan.mode))",
      subtitle:
        "\(result.layer.shape); \(result.fingerprint.cpuModel); OpenBLAS \(result.fingerprint.openBLAS.version)",
      xLabel: family, yLabel: "throughput (images/s, median)")
    chart.reverseX = true
    let shapes: [RankPolicy: SVGChart.Marker.Shape] = [
      .paper: .circle, .robust: .diamond, .fastest: .triangle,
    ]
    for (index, config) in result.configs.enumerated() {
      let color = SVGChart.palette[index % SVGChart.palette.count]
      let batch = Double(result.plan.batch)
      chart.series.append(
        .init(
          name: "decomposed, \(config.config)", color: color,
          points: config.ranks.compactMap { r in
            r.spec.factorization.primaryRank.map { (Double($0), r.imagesPerSecond) }
          }))
      chart.references.append(
        .init(y: batch / config.referenceSeconds, label: "original, \(config.config)", color: color))
      for decision in config.decisions {
        guard let rank = decision.choice.rank, let timing = decision.choice.timing else { continue }
        chart.markers.append(
          .init(
            x: Double(rank), y: batch / timing.median,
            label: "\(decision.policy) → \(rank) (\(config.config.label))",
            color: color, shape: shapes[decision.policy] ?? .square))
      }
    }
    return chart.render()
  }

  /// Writes csv, json, md and svg into `directory` (atomically).
  public static func write(_ result: SweepResult, to directory: ResultDirectory) throws {
    try directory.write(csv(result), to: "sweep.csv")
    try directory.write(try json(result), to: "sweep.json")
    try directory.write(markdown(result), to: "sweep.md")
    try directory.write(svg(result), to: "sweep.svg")
  }
}
