import Foundation
import Harness
import Results
import Statistics

/// The files and summary of a rank sweep: `sweep.csv` (one row per point), `sweep.json` (everything),
/// `sweep.md` (the summary) and `sweep.svg` (throughput vs rank, the paper's Figure 2).
package enum SweepReport {
  /// One row per measured point; `kind` is reference, rank, anchor or confirmation.
  package static func csv(_ result: SweepResult) -> String {
    var kinds: [Int: String] = [:]
    var points: [PointResult] = []
    for config in result.configs {
      for r in config.references { kinds[r.sequence] = "reference" }
      for r in config.ranks { kinds[r.sequence] = "rank" }
      if let anchor = config.anchor { kinds[anchor.sequence] = "anchor" }
      points += config.references + config.ranks + (config.anchor.map { [$0] } ?? [])
    }
    points.sort { $0.sequence < $1.sequence }
    let table = PointColumns.table(points, leading: ["kind", "rank"]) { point in
      [kinds[point.sequence] ?? "", point.spec.factorization.primaryRank.map(String.init) ?? ""]
    }
    return table.text
  }

  /// The sweep result as JSON (`lrd-bench/sweep@…`), every sample included.
  package static func json(_ result: SweepResult) throws -> Data {
    try JSONCoding.encoder.encode(result)
  }

  /// The Markdown summary (also printed on stdout).
  package static func markdown(_ result: SweepResult) -> String {
    let plan = result.plan
    var lines: [String] = []
    lines.append(
      "# Rank sweep: \(result.layer.name) (\(plan.onnx.map(\.description) ?? plan.model.description), "
        + "\(result.layer.shape))")
    lines.append("")
    if let onnx = plan.onnx {
      lines.append(
        "Model file \(onnx.path), SHA-256 \(onnx.sha256): the layer's own weights are decomposed, so the errors "
          + "below are the model's.")
      lines.append("")
    }
    let family = result.layer.decomposition == "svd" ? "SVD, rank r" : "Tucker-2, r1 = r, r2 = ⌊β·r⌋"
    lines.append(
      "\(family); ranks \(plan.from) → \(plan.to) step \(plan.step)"
        + (plan.anchor.map { " (and \($0), the anchor for Δ(R))" } ?? "")
        + "; α = \(Format.fixed(plan.ratio, 2)) gives "
        + "\(result.layer.alphaRank); batch \(plan.batch), \(plan.mode)"
        + (plan.frozen == .none ? "" : ", frozen factors: \(plan.frozen)") + ", cache \(plan.sampler.cache).")
    lines.append("")
    lines += ShardText.lines(shard: result.shard, mergedFrom: result.mergedFrom, unit: "thread config")
    lines += FingerprintText.header(result.fingerprint)
    lines += BackendCheckText.lines(result.backendCheck)
    lines.append(measuredRanks(result))
    lines.append("")
    lines.append(
      "Per point: \(plan.passes) pass\(plan.passes == 1 ? "" : "es") in seeded random order (seed \(plan.orderSeed)), "
        + "each until the paired ratio's CI reaches ±"
        + "\(Format.percent(plan.passSampler.targetRelativeHalfWidth, digits: 1)) or "
        + "\(Format.fixed(plan.passSampler.budgetSeconds, 2)) s is spent (\(Format.fixed(plan.sampler.budgetSeconds, 2)) s "
        + "in all), samples pooled; decomposition "
        + "\(Format.duration(result.decompositionSeconds)) (once per sweep); total \(Format.clock(result.elapsedSeconds))."
    )
    if result.interrupted {
      lines.append("")
      lines.append(
        "**Interrupted**: partial results; resuming this run directory continues it.")
    }
    for config in result.configs { lines += section(config, plan: plan) }
    lines.append("")
    lines.append("Comparison method: \(result.comparisonMethod).")
    if lines.contains(where: { $0.contains("]°") }) { lines.append(DecisionText.exactIntervalNote) }
    return lines.joined(separator: "\n") + "\n"
  }

  static func section(_ config: ThreadConfigSweep, plan: SweepPlan) -> [String] {
    var lines = ["", "## \(config.config)", ""]
    let original =
      config.references.isEmpty
      ? "Original: not measured yet"
      : "Original: T = \(Format.duration(config.referenceSeconds)) per call alone (median of \(config.references.count) "
        + "measurement\(config.references.count == 1 ? "" : "s"); drift \(Format.percent(config.referenceDrift, digits: 1)))"
    lines.append(original + (config.binding.verified ? ", binding verified." : ", binding NOT verified."))
    if let run = config.originalRunSeconds {
      lines.append(
        "t(r) = t/T × T_run, where T_run = \(Format.duration(run)) is the original's median over every sample of it "
          + "taken paired with a rank (the times and the plot carry no drift of the point's own minute).")
    }
    lines.append("")
    var table = MarkdownTable(
      header: [
        "policy", "decision", "speed-up (check, 95% CI)", "at selection (sweep, 95% CI)",
        "time (T ÷ speed-up)",
        "Δparams", "ΔFLOPs", "error (W / y)", "check",
      ],
      alignment: [.left, .left, .right, .right, .right, .right, .right, .right, .left])
    for decision in config.decisions {
      var speedup = "1.000× (ORG)"
      var selection = "—"
      if decision.choice.rank != nil, let t = decision.choice.timing {
        selection =
          "\(Format.ratio(1 / t.ratio)) [\(Format.ratio(1 / t.ratioUpper)), \(Format.ratio(1 / t.ratioLower))]"
        speedup = decision.confirmation.map { DecisionText.speedup($0) } ?? selection + " (unchecked)"
      }
      let time = Format.duration(config.referenceSeconds / decision.reportedSpeedup)
      table.append([
        decision.policy.rawValue, decision.factorization?.description ?? "ORG", speedup, selection, time,
        Format.signedPercent(decision.parametersChangePercent),
        Format.signedPercent(decision.flopsChangePercent),
        errors(config.ranks.first { $0.spec.factorization == decision.factorization }),
        DecisionText.check(decision),
      ])
    }
    lines.append(table.text)
    for decision in config.decisions {
      lines.append(
        "- **\(decision.policy)**: \(DecisionText.reason(decision.choice, step: plan.step))"
          + (DecisionText.stability(decision).map { ". Stability: " + $0 } ?? "")
          + (DecisionText.reproduction(decision).map { ". " + $0 } ?? ""))
    }
    if let spread = passSpread(config) {
      lines.append("")
      lines.append(spread)
    }
    let fastest = config.timings.sorted { $0.ratio < $1.ratio }.prefix(5)
    if !fastest.isEmpty {
      lines.append("")
      lines.append(
        "Fastest ranks (paired speed-up): "
          + fastest.map { "\($0.rank) (\(Format.ratio(1 / $0.ratio)))" }.joined(separator: ", ") + ".")
    }
    let missed = config.pointsMissingTarget(plan.sampler.targetRelativeHalfWidth)
    let total = config.references.count + config.ranks.count
    lines.append("")
    if total == 0 {
      lines.append("No point was measured.")
    } else if missed.isEmpty {
      lines.append(
        "All \(total) points reached the CI target (±\(Format.percent(plan.sampler.targetRelativeHalfWidth, digits: 1)) "
          + "for a rank's pooled ratio).")
    } else {
      let names = missed.prefix(12).map { point -> String in
        let name = point.spec.factorization.primaryRank.map { "rank \($0)" } ?? "original"
        guard let comparison = point.comparison else {
          return "\(name) ±\(Format.percent(point.measurement.statistics.relativeHalfWidth, digits: 1))"
        }
        return "\(name) ±\(Format.percent(comparison.relativeHalfWidth, digits: 1))"
      }
      lines.append(
        "\(total - missed.count) of \(total) points reached the CI target (±"
          + "\(Format.percent(plan.sampler.targetRelativeHalfWidth, digits: 1)) for a rank's pooled ratio; wider: "
          + names.joined(separator: ", ") + (missed.count > 12 ? ", …" : "") + ").")
    }
    let unstable = (config.ranks + (config.anchor.map { [$0] } ?? [])).filter {
      $0.comparison?.isUnstable == true
    }
    if !unstable.isEmpty {
      lines.append(
        "Unstable (the CI is wider than ±5% or the two halves of the measurement disagree by more than 2%; "
          + "read these ratios as rough): "
          + unstable.prefix(12).map { point in
            let rank = point.spec.factorization.primaryRank.map(String.init) ?? "?"
            let c = point.comparison!
            return "rank \(rank) (±\(Format.percent(c.relativeHalfWidth, digits: 1))"
              + (c.halvesDifference.map { ", halves \(Format.percent($0, digits: 1)) apart" } ?? "") + ")"
          }.joined(separator: ", ") + (unstable.count > 12 ? ", …" : "") + ".")
    }
    let faulting = (config.references + config.ranks).filter(\.measurement.pageFaults)
    if !faulting.isEmpty {
      lines.append(
        "Warning: \(faulting.count) points page-fault inside the timed region (see page_faults_per_call).")
    }
    return lines
  }

  /// How much a rank's t/T moved between passes ((max − min) / median of its pass ratios).
  ///
  /// That is the spread the pooled CIs carry. Nil for a single pass.
  static func passSpread(_ config: ThreadConfigSweep) -> String? {
    let spreads = config.ranks.compactMap { point -> (rank: Int, spread: Double)? in
      guard let ratios = point.comparison?.passRatios, let rank = point.spec.factorization.primaryRank,
        let lo = ratios.min(), let hi = ratios.max(), let ratio = point.comparison?.ratio
      else { return nil }
      return (rank, (hi - lo) / ratio)
    }
    guard let worst = spreads.max(by: { $0.spread < $1.spread }) else { return nil }
    let median = SampleStatistics.quantile(spreads.map(\.spread).sorted(), 0.5)
    let wide = spreads.filter { $0.spread > 0.02 }.count
    return "Between passes a rank's t/T moved by a median of \(Format.percent(median, digits: 1)) (max "
      + "\(Format.percent(worst.spread, digits: 1)) at rank \(worst.rank); \(wide) of \(spreads.count) ranks by more than "
      + "2%): the machine's state over the run, which the pooled CIs above include."
  }

  /// Which ranks were measured: the whole window, or for `cliffs` how many and which, as ranges.
  static func measuredRanks(_ result: SweepResult) -> String {
    let plan = result.plan
    let window = plan.ranks.count
    guard plan.strategy == .cliffs else {
      return "Strategy full: every rank of the window (\(window) ranks)."
    }
    var text = "Strategy cliffs"
    if let grid = result.cliffGrid {
      text +=
        " (boundaries at multiples of \(grid.spacing) and \(grid.lanes): \(grid.lanes) fp32 lanes, \(grid.source))"
    }
    for config in result.configs {
      let ranks = config.timings.map(\.rank).sorted(by: >)
      text +=
        "; \(config.config.label): \(ranks.count) of \(window) ranks measured (\(ranges(ranks, step: plan.step))), "
        + "\(window - ranks.count) skipped"
    }
    return text + "."
  }

  /// "309, 305–303, 297" for ranks largest first.
  static func ranges(_ ranks: [Int], step: Int) -> String {
    var parts: [String] = []
    var start = ranks.first
    var previous = ranks.first
    for rank in ranks.dropFirst() + [Int.min] {
      if let p = previous, rank == p - step {
        previous = rank
        continue
      }
      if let s = start, let p = previous { parts.append(s == p ? "\(s)" : "\(s)–\(p)") }
      start = rank
      previous = rank
    }
    return parts.joined(separator: ", ")
  }

  /// Throughput (images/s) versus rank per thread config (the paper's Figure 2), with an error panel below.
  ///
  /// The top panel has 95% CI bars, the original as a dashed line with the band its separate measurements span,
  /// and each policy's choice marked. Under it, when the points recorded them, each rank's reconstruction error
  /// (weights and the layer's output on a fixed image): the accuracy cost the throughput is bought with.
  package static func svg(_ result: SweepResult) -> String {
    let throughput = throughputChart(result)
    guard let errors = errorChart(result) else { return throughput.render() }
    return SVGChart.stacked([throughput, errors])
  }

  /// The throughput panel.
  static func throughputChart(_ result: SweepResult) -> SVGChart {
    let family = result.layer.decomposition == "svd" ? "rank r" : "rank r1 (r2 = ⌊β·r1⌋)"
    var chart = SVGChart(
      title:
        "\(result.layer.name): throughput vs rank (\(result.plan.onnx.map { "\($0)" } ?? result.plan.model.description), "
        + "batch \(result.plan.batch), \(result.plan.mode))",
      subtitle:
        "\(result.layer.shape); \(result.fingerprint.cpuModel); "
        + (result.fingerprint.gemmBackend
          ?? "OpenBLAS \(result.fingerprint.openBLAS.version) (\(result.fingerprint.openBLAS.coreName))"),
      xLabel: family, yLabel: "throughput (images/s, from t/T × T_run, 95% CI)")
    chart.reverseX = true
    let shapes: [RankPolicy: SVGChart.Marker.Shape] = [
      .paper: .circle, .paperAnchor: .square, .robust: .diamond, .fastest: .triangle,
    ]
    let batch = Double(result.plan.batch)
    for (index, config) in result.configs.enumerated() {
      let color = SVGChart.palette[index % SVGChart.palette.count]
      var series = SVGChart.Series(
        name: "decomposed, \(config.config)", color: color,
        points: config.timings.map { (Double($0.rank), batch / $0.median) },
        intervals: config.timings.map { (Double($0.rank), batch / $0.upper, batch / $0.lower) })
      // A cliff-aware sweep joins only ranks measured next to each other: the plot shows measured ranks only.
      if result.plan.strategy == .cliffs { series.joinsWithin = Double(result.plan.step) }
      chart.series.append(series)
      let medians = config.references.map(\.seconds)
      chart.references.append(
        .init(
          y: batch / config.referenceSeconds, label: "original, \(config.config)", color: color,
          band: medians.isEmpty ? nil : (batch / medians.max()!, batch / medians.min()!)))
      for decision in config.decisions {
        guard let rank = decision.choice.rank, let timing = decision.choice.timing else { continue }
        chart.markers.append(
          .init(
            x: Double(rank), y: batch / timing.median,
            label: "\(decision.policy) → \(rank) (\(config.config.label))",
            color: color, shape: shapes[decision.policy] ?? .square))
      }
    }
    return chart
  }

  /// Reconstruction error versus rank (the first thread config's points; errors do not depend on threads), or
  /// nil when no point recorded its output error.
  static func errorChart(_ result: SweepResult) -> SVGChart? {
    guard let config = result.configs.first else { return nil }
    let points = config.ranks.filter { $0.outputError != nil }
      .compactMap { point -> (rank: Double, weights: Double, output: Double)? in
        guard let rank = point.spec.factorization.primaryRank, let output = point.outputError else {
          return nil
        }
        return (Double(rank), point.relativeError * 100, output * 100)
      }
      .sorted { $0.rank < $1.rank }
    guard !points.isEmpty else { return nil }
    var chart = SVGChart(
      title: "\(result.layer.name): reconstruction error vs rank",
      subtitle: result.plan.onnx.map { "the weights of \($0)" }
        ?? "random He-normal weights (seeded per layer)",
      xLabel: result.layer.decomposition == "svd" ? "rank r" : "rank r1 (r2 = ⌊β·r1⌋)",
      yLabel: "relative error (%)")
    chart.reverseX = true
    chart.height = 420
    chart.series.append(
      SVGChart.Series(
        name: "weights ‖W − W'‖/‖W‖", color: SVGChart.palette[0], points: points.map { ($0.rank, $0.weights) }
      ))
    chart.series.append(
      SVGChart.Series(
        name: "output ‖y − y'‖/‖y‖ on a fixed image", color: SVGChart.palette[1 % SVGChart.palette.count],
        points: points.map { ($0.rank, $0.output) }))
    return chart
  }

  /// Writes csv, json, md and svg into `directory` (atomically).
  package static func write(_ result: SweepResult, to directory: RunDirectory) throws {
    try directory.write(csv(result), to: "sweep.csv")
    try directory.write(try json(result), to: "sweep.json")
    try directory.write(markdown(result), to: "sweep.md")
    try directory.write(svg(result), to: "sweep.svg")
    PDFFigures.convert(["sweep.svg"], in: directory)
  }

  /// A point's reconstruction errors: ‖W − W'‖/‖W‖ of the weights and ‖y − y'‖/‖y‖ of the layer's output on a
  /// fixed random image, in percent ("—" for the original, "?" where not recorded).
  static func errors(_ point: PointResult?) -> String {
    guard let point else { return "—" }
    return Format.percent(point.relativeError, digits: 1) + " / "
      + (point.outputError.map { Format.percent($0, digits: 1) } ?? "?")
  }
}
