import Foundation
import Harness
import Programs
import Results

/// `lrd-bench table`: the paper's Tables 1 and 3 and the whole-network Figure 5 measured here, with
/// the paper's own (GPU) figures beside them for reference.
package enum TableReport {
  /// Where and how the figures were measured (one line).
  static func context(_ r: TableResult) -> String {
    let p = r.plan
    let peak: String = r.peak.map { Format.fixed($0.gflops, 1) }.joined(separator: " / ")
    var core: String = "OpenBLAS core " + r.fingerprint.openBLAS.coreName
    if r.fingerprint.kernelBackend != .openblas, let backend = r.fingerprint.gemmBackend {
      core = "kernels on " + backend
    }
    if let choices = p.layerBackends {
      core +=
        "; each layer on its fastest backend ("
        + choices.keys.sorted().map { "\($0): \(BestBackends.summary(choices[$0]!))" }.joined(separator: "; ")
        + " layers)"
    }
    let place: String = "Measured on \(r.fingerprint.cpuModel), \(p.threads), batch \(p.batch), \(core)"
    return place + "; peak sgemm 2048³ \(peak) GFLOP/s (start / end"
      + (r.peak.count > 2 ? " of each shard" : "") + "); α = \(Format.fixed(p.ratio, 2)); "
      + duration(r)
  }

  /// "12:05 in all.", or for a resumed run the time of the last session and what it read back.
  static func duration(_ r: TableResult) -> String {
    guard let resumed = r.resumedMeasurements, resumed > 0 else {
      return "\(Format.clock(r.elapsedSeconds)) in all."
    }
    return "\(Format.clock(r.elapsedSeconds)) in the last session (resumed: \(resumed) of "
      + "\(r.measurements.count) paired measurements were read from the journal of an earlier one)."
  }

  static func m(_ count: Int) -> String { Format.fixed(Double(count) / 1e6, 2) }
  static func g(_ flops: Int) -> String { Format.fixed(Double(flops) / 1e9, 2) }
  static func rate(_ value: Double?) -> String { value.map { Format.fixed($0, 2) } ?? "—" }

  /// A speed-up cell: "+6.1% [+4.9, +7.3]" (CI in percentage points), marked when unstable.
  static func cell(_ c: SpeedupCell?) -> String {
    guard let c, c.percent.isFinite else { return "—" }
    let sign = { (v: Double) in (v >= 0 ? "+" : "") + Format.fixed(v, 1) }
    return "\(sign(c.percent))% [\(sign(c.lower)), \(sign(c.upper))]" + (c.exactInterval == true ? "°" : "")
      + (c.unstable ? " ⚠" : "")
      + (c.sameNetworkAs == nil ? "" : " ¹")
  }

  /// The paper's Table 1 measured here (original and vanilla LRD per model), with the paper's own beside it.
  package static func table1(_ r: TableResult) -> String {
    var lines = ["# Table 1: models before and after vanilla LRD, measured here", "", context(r), ""]
    lines += BackendCheckText.lines(r.backendCheck) + [""]
    var table = MarkdownTable(
      header: ["model", "layers", "params (M)", "FLOPs (G)", "train images/s", "infer images/s"],
      alignment: [.left, .right, .right, .right, .right, .right])
    for t in r.models {
      let name = t.displayName
      table.append([
        name, "\(t.original.layers)", m(t.original.parameters), g(t.original.flopsPerImage),
        rate(t.original.trainingImagesPerSecond), rate(t.original.inferenceImagesPerSecond),
      ])
      if let lrd = t.lrd {
        table.append([
          "\(name) vanilla LRD", "\(lrd.layers)", m(lrd.parameters), g(lrd.flopsPerImage),
          rate(lrd.trainingImagesPerSecond), rate(lrd.inferenceImagesPerSecond),
        ])
      }
    }
    lines.append(table.text)
    lines.append("Images/s of each network measured interleaved with the other (the vanilla-LRD paired run).")
    lines.append("")
    // An imported network has no row in the paper.
    guard r.plan.onnx == nil else { return lines.joined(separator: "\n") + "\n" }
    lines.append("The paper's Table 1 (its GPU; for reference only, not comparable with the rows above):")
    lines.append("")
    var paper = MarkdownTable(
      header: ["model (paper)", "layers", "params (M)", "FLOPs (G)", "train images/s", "infer images/s"],
      alignment: [.left, .right, .right, .right, .right, .right])
    for t in r.models {
      let (original, lrd) = PaperTables.table1(t.model)
      for (name, s) in [(t.displayName, original), ("\(t.displayName) vanilla LRD", lrd)] {
        paper.append([
          name, "\(s.layers)", Format.fixed(s.parameters, 2), Format.fixed(s.flops, 2),
          Format.fixed(s.training, 0),
          Format.fixed(s.inference, 0),
        ])
      }
    }
    if lines.contains(where: { $0.contains("]°") }) { lines.append(DecisionText.exactIntervalNote) }
    lines.append(paper.text)
    lines.append(
      "The paper's Table 3 prints its layer-branching rows as all zeros (it reports branching in its Figure 5 "
        + "only); they are copied as printed.")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The paper's Table 3 measured here (every technique against the original), with the paper's own beside
  /// it.
  package static func table3(_ r: TableResult) -> String {
    var lines = ["# Table 3: techniques against the original network, measured here", "", context(r), ""]
    var table = MarkdownTable(
      header: [
        "model", "technique", "network (inference; training)", "layers", "Δparams %", "ΔFLOPs %",
        "train speed-up (95% CI)", "infer speed-up (95% CI)",
      ],
      alignment: [.left, .left, .left, .right, .right, .right, .right, .right])
    for t in r.models {
      for row in t.rows {
        let networks = [row.inferenceVariant, row.trainingVariant].compactMap { $0 }
        let chosen = row.inferenceAtSelection != nil || row.trainingAtSelection != nil
        table.append([
          t.displayName, row.technique.description + (chosen ? " ²" : ""),
          Set(networks).count == 1 ? networks[0] : networks.joined(separator: "; "), "\(row.layers)",
          Format.fixed(row.parametersChangePercent, 2), Format.fixed(row.flopsChangePercent, 2),
          cell(row.training), cell(row.inference),
        ])
      }
    }
    lines.append(table.text)
    lines.append(
      "Speed-up % = (t_original / t_network − 1) × 100; \(r.comparisonMethod); CIs in percentage points; ⚠ unstable (CI wider than ±5% or the two "
        + "halves of the run disagree by more than 2%); ¹ the same network as the named row, whose measurement "
        + "is shown; ² chosen from measurements (N from Figure 5, the combination from a screening run of every "
        + "valid combination at a third of the budget) and reported from a second, independent run.")
    lines += selections(r)
    lines.append("")
    if lines.contains(where: { $0.contains("]°") }) { lines.append(DecisionText.exactIntervalNote) }
    guard r.plan.onnx == nil else { return lines.joined(separator: "\n") + "\n" }
    lines.append("The paper's Table 3 (its GPU; for reference only, not comparable with the rows above):")
    lines.append("")
    var paper = MarkdownTable(
      header: [
        "model (paper)", "technique", "layers", "Δparams %", "ΔFLOPs %", "train speed-up %",
        "infer speed-up %",
      ],
      alignment: [.left, .left, .right, .right, .right, .right, .right])
    for t in r.models {
      for row in PaperTables.table3(t.model) {
        paper.append([
          t.displayName, row.technique, "\(row.layers)", Format.fixed(row.parametersChange, 2),
          Format.fixed(row.flopsChange, 2), Format.fixed(row.training, 2), Format.fixed(row.inference, 2),
        ])
      }
    }
    lines.append(paper.text)
    lines.append(
      "The paper's Table 3 prints its layer-branching rows as all zeros (it reports branching in its Figure 5 "
        + "only); they are copied as printed.")
    return lines.joined(separator: "\n") + "\n"
  }

  /// For each chosen row, the measurement it was chosen on; and every combination screened.
  static func selections(_ r: TableResult) -> [String] {
    var lines: [String] = []
    for t in r.models {
      for row in t.rows where row.inferenceAtSelection != nil || row.trainingAtSelection != nil {
        lines.append(
          "- \(t.displayName), \(row.technique) ²: at selection train \(cell(row.trainingAtSelection)), "
            + "infer \(cell(row.inferenceAtSelection)); reported above from the second run.")
      }
      for mode in [Mode.inference, .training] {
        let trials = (t.combinations ?? []).filter { $0.mode == mode }
        guard !trials.isEmpty else { continue }
        lines.append(
          "- \(t.displayName), combinations screened in \(mode): "
            + trials.map { "\($0.variant) \(cell($0.screening))" }.joined(separator: "; ") + ".")
      }
    }
    return lines.isEmpty ? [] : [""] + lines
  }

  /// Figure 5 as a table, and each model's notes.
  static func figure5AndNotes(_ r: TableResult) -> String {
    var lines: [String] = []
    for t in r.models where !t.figure5.isEmpty {
      lines.append("## Figure 5 (whole network): \(t.displayName), throughput vs branches")
      lines.append("")
      var table = MarkdownTable(
        header: ["branches N", "infer images/s", "infer speed-up", "train images/s", "train speed-up"],
        alignment: [.right, .right, .right, .right, .right])
      for point in t.figure5 {
        table.append([
          "\(point.branches)", rate(point.inference?.imagesPerSecond), cell(point.inference),
          rate(point.training?.imagesPerSecond), cell(point.training),
        ])
      }
      lines.append(table.text)
      if let n = t.chosenBranches {
        lines.append(
          "Layer branching uses N = \(n) (the best geometric mean of the two speed-ups; N = 1 is vanilla LRD)."
        )
      }
      lines.append("")
      lines.append("Notes (\(t.displayName)):")
      for note in t.notes { lines.append("- " + note) }
      if let seconds = t.ranksSeconds, let directory = t.ranksDirectory {
        lines.append(
          "- The ranks study ran here (\(directory)) and took \(Format.clock(seconds))"
            + ((r.resumedMeasurements ?? 0) > 0 ? " in the last session " : " ")
            + "("
            + (r.plan.ranksPerLayer.map { "\($0) evenly spaced ranks per layer" }
              ?? "cliff-aware sweeps, 3 passes")
            + ", budget \(Format.duration(r.plan.ranksSampler.budgetSeconds)) per rank)."
        )
      }
      lines.append("")
    }
    if r.interrupted {
      lines.append(
        "Interrupted: the tables hold what was measured; resuming this run directory continues it.")
    }
    return lines.joined(separator: "\n")
  }

  /// Everything, as printed by the command.
  package static func markdown(_ r: TableResult) -> String {
    shardLines(r) + table1(r) + "\n" + table3(r) + "\n" + figure5AndNotes(r)
  }

  /// One CSV row per model and technique with params, FLOPs and both speed-ups with CIs.
  package static func csv(_ r: TableResult) -> String {
    var table = CSVTable(header: [
      "model", "section", "row", "inference_network", "training_network", "branches", "layers", "params",
      "params_change_pct", "flops_change_pct", "train_speedup_pct", "train_ci_low_pct", "train_ci_high_pct",
      "train_pairs", "train_images_s", "infer_speedup_pct", "infer_ci_low_pct", "infer_ci_high_pct",
      "infer_pairs", "infer_images_s",
    ])
    func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "" }
    func cells(_ c: SpeedupCell?) -> [String] {
      [f(c?.percent), f(c?.lower), f(c?.upper), c.map { "\($0.pairs)" } ?? "", f(c?.imagesPerSecond)]
    }
    for t in r.models {
      let model = t.unitName
      for (name, s) in [("original", Optional(t.original)), ("lrd", t.lrd)] {
        guard let s else { continue }
        table.append(
          [
            model, "table1", name, name, name, "", "\(s.layers)", "\(s.parameters)", "", "", "", "", "", "",
            f(s.trainingImagesPerSecond), "", "", "", "", f(s.inferenceImagesPerSecond),
          ])
      }
      for row in t.rows {
        table.append(
          [
            model, "table3", row.technique.rawValue, row.inferenceVariant ?? "", row.trainingVariant ?? "",
            "",
            "\(row.layers)", "", f(row.parametersChangePercent), f(row.flopsChangePercent),
          ]
            + cells(row.training) + cells(row.inference))
      }
      for point in t.figure5 {
        table.append(
          [model, "figure5", "branched", "", "", "\(point.branches)", "", "", "", ""] + cells(point.training)
            + cells(point.inference))
      }
    }
    return table.text
  }

  /// Whole-network Figure 5: images/s vs N for inference and training, CIs, the originals as references.
  package static func figure5(_ r: TableResult) -> String {
    var chart = SVGChart(
      title: "Throughput vs branches (whole networks, batch \(r.plan.batch), \(r.plan.threads))",
      subtitle: "\(r.fingerprint.cpuModel); branched Tucker in every 3×3 layer; N = 1 is vanilla LRD",
      xLabel: "branches N", yLabel: "images/s (median, 95% CI)")
    chart.xTickValues = r.plan.branches.map(Double.init)
    var color = 0
    for t in r.models {
      for (mode, pick) in [
        ("inference", \BranchCountPoint.inference), ("training", \BranchCountPoint.training),
      ] {
        let points = t.figure5.compactMap { p in p[keyPath: pick].map { (Double(p.branches), $0) } }
        guard !points.isEmpty else { continue }
        let palette = SVGChart.palette[color % SVGChart.palette.count]
        chart.series.append(
          .init(
            name: "\(t.displayName) \(mode)", color: palette,
            points: points.map { ($0.0, $0.1.imagesPerSecond) },
            intervals: points.map { ($0.0, $0.1.imagesPerSecondLower, $0.1.imagesPerSecondUpper) }))
        let originals = points.map(\.1.originalImagesPerSecond).sorted()
        chart.references.append(
          .init(
            y: originals[originals.count / 2], label: "\(t.displayName) original, \(mode)",
            color: palette))
        color += 1
      }
    }
    return chart.render()
  }

  /// Table 3's speed-ups as bars with CI whiskers, per technique, training and inference.
  package static func speedups(_ r: TableResult) -> String {
    let rows = r.models.flatMap { t in t.rows.map { (t.unitName, $0) } }
    func bar(_ c: SpeedupCell?) -> SVGBarChart.Bar? {
      c.map { SVGBarChart.Bar(value: $0.percent, low: $0.lower, high: $0.upper) }
    }
    let chart = SVGBarChart(
      title: "Speed-up over the original network per technique (measured here)",
      subtitle:
        "\(r.fingerprint.cpuModel), \(r.plan.threads), batch \(r.plan.batch); bars: median paired speed-up, "
        + "whiskers: 95% CI",
      yLabel: "speed-up %",
      groups: rows.map {
        r.models.count > 1 ? "\($0.0) \($0.1.technique.rawValue)" : $0.1.technique.rawValue
      },
      series: [
        ("training", rows.map { bar($0.1.training) }), ("inference", rows.map { bar($0.1.inference) }),
      ])
    return chart.render()
  }

  /// Writes `table1.md`, `table3.md`, `table.csv`, `table.json`, `figure5.svg` and `speedups.svg` into
  /// `directory`, atomically, and each quick ranks study's reports into its own directory.
  package static func write(_ r: TableResult, to directory: RunDirectory) throws {
    for ranks in r.ranksRuns { try RanksReport.write(ranks.result, to: ranks.directory) }
    try directory.write(table1(r), to: "table1.md")
    try directory.write(
      shardLines(r) + table3(r) + "\n" + figure5AndNotes(r) + "\n" + PDFFigures.sentence(figures) + "\n",
      to: "table3.md")
    try directory.write(csv(r), to: "table.csv")
    try directory.writeJSON(r, to: "table.json")
    try directory.write(figure5(r), to: "figure5.svg")
    try directory.write(speedups(r), to: "speedups.svg")
    try directory.write(LaTeXTables.table1(r), to: "table1.tex")
    try directory.write(LaTeXTables.table3(r), to: "table3.tex")
    PDFFigures.convert(figures, in: directory)
  }

  /// Which shard a table holds, or which shards it was merged from (empty for an unsharded table).
  static func shardLines(_ r: TableResult) -> String {
    ShardText.lines(shard: r.shard, mergedFrom: r.mergedFrom, unit: "model").map { $0 + "\n" }.joined()
  }

  /// The figures a table run writes.
  static let figures = ["figure5.svg", "speedups.svg"]
}
