import Foundation
import Harness
import Results

/// `sweep --backend all`: one layer's rank sweep on every kernel backend side by side — each backend's
/// original time, each policy's decision with its time, where each backend's rank cliffs fall, and per
/// policy the best (backend, rank) pair.
///
/// Times across backends come from separate runs (unpaired): a decision's time is T·(t/T), each backend's
/// own original T times the paired ratio measured in its run.
package enum SweepBackendsReport {
  /// One candidate of the best-pair search: a backend's original layer or one policy's decision.
  struct Candidate {
    var backend: String
    var label: String
    var seconds: Double
  }

  /// "ORG: onednn at 7.4 ms; paper: openblas, 176 at 2.2 ms; …": the fastest backend for the original
  /// layer and, per policy, the backend whose decision is fastest (ranks differ in accuracy, so pairs are
  /// compared within a policy, never across policies).
  static func bestPairs(_ candidates: [String: [Candidate]], policies: [String]) -> String {
    (["ORG"] + policies).compactMap { key in
      guard let best = candidates[key]?.min(by: { $0.seconds < $1.seconds }) else { return nil }
      return key == "ORG"
        ? "original: **\(best.backend)** at \(Format.duration(best.seconds))"
        : "\(key): **\(best.backend), \(best.label)** at \(Format.duration(best.seconds))"
    }.joined(separator: "; ")
  }

  /// The summary as Markdown: per thread config, a table of backends × policies and the best pair, then
  /// each backend's largest drops of t/T (its rank cliffs).
  package static func markdown(_ results: [SweepResult]) -> String {
    guard let first = results.first else { return "" }
    var lines = [
      "# Rank sweep of \(first.layer.name) on \(results.count) kernel backends (\(first.plan.model), "
        + "\(first.layer.shape))",
      "",
      "Batch \(first.plan.batch), \(first.plan.mode); ranks \(first.plan.from) → \(first.plan.to) step "
        + "\(first.plan.step); each backend swept in its own run (`<out>/<backend>/`, full reports there). "
        + "A decision's time is T·(t/T): the backend's original T times the paired ratio of its run; "
        + "comparisons across backends are unpaired.",
      "",
      "Backends: " + results.map { $0.fingerprint.gemmBackend ?? "?" }.joined(separator: "; ") + ".",
    ]
    for config in first.plan.threadConfigs {
      lines += ["", "## \(config.threads) thread\(config.threads == 1 ? "" : "s"), \(config.binding)", ""]
      var table = MarkdownTable(
        header: ["backend", "original T"] + first.plan.policies.map { "\($0) (rank: time, speed-up)" },
        alignment: [.left, .right] + first.plan.policies.map { _ in .right })
      var candidates: [String: [Candidate]] = [:]
      for result in results {
        guard let sweep = result.configs.first(where: { $0.config == config }) else { continue }
        let name = result.plan.measuredBackend.rawValue
        let t = sweep.referenceSeconds
        candidates["ORG", default: []].append(Candidate(backend: name, label: "ORG", seconds: t))
        var cells = [name, Format.duration(t)]
        for policy in first.plan.policies {
          guard let decision = sweep.decisions.first(where: { $0.policy == policy }) else {
            cells.append("—")
            continue
          }
          let seconds = t / decision.reportedSpeedup
          candidates[policy.rawValue, default: []].append(
            Candidate(backend: name, label: decision.choice.label, seconds: seconds))
          cells.append(
            "\(decision.choice.label): \(Format.duration(seconds)), \(Format.fixed(decision.reportedSpeedup, 3))×"
          )
        }
        table.append(cells)
      }
      lines.append(table.text)
      lines.append(
        "Best (backend, rank), per policy: "
          + bestPairs(candidates, policies: first.plan.policies.map(\.rawValue)) + ".")
      lines.append("")
      lines.append("Rank cliffs (the largest drops Δ(r) = t(r + step) − t(r), as % of the backend's T):")
      for result in results {
        guard let sweep = result.configs.first(where: { $0.config == config }) else { continue }
        let drops = cliffs(sweep.timings, anchor: sweep.anchorTiming)
        lines.append(
          "- \(result.plan.measuredBackend): "
            + (drops.isEmpty
              ? "none measured"
              : drops.map { "to \($0.rank): \(Format.fixed($0.drop * 100, 1))%" }.joined(separator: ", ")))
      }
    }
    if results.contains(where: \.interrupted) || results.count < (first.plan.backends?.count ?? 1) {
      lines += ["", "**Interrupted**: not every backend finished; resuming this run directory continues it."]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The three largest positive drops Δ(r) of t/T (the paper policy's Δ), largest first.
  static func cliffs(_ timings: [RankTiming], anchor: RankTiming?) -> [(rank: Int, drop: Double)] {
    let sorted = timings.sorted { $0.rank > $1.rank }
    return RankPolicy.drops(sorted, anchor: anchor).filter { $0.delta > 0 }.sorted { $0.delta > $1.delta }
      .prefix(3).map { ($0.timing.rank, $0.delta) }
  }

  /// Throughput (images/s) vs rank for every backend and thread config, with each backend's original as a
  /// reference line, as SVG.
  package static func svg(_ results: [SweepResult]) -> String {
    guard let first = results.first else { return "" }
    var chart = SVGChart(
      title: "\(first.layer.name): throughput vs rank on each kernel backend",
      subtitle:
        "\(first.layer.shape); batch \(first.plan.batch), \(first.plan.mode); \(first.fingerprint.cpuModel)",
      xLabel: first.layer.decomposition == "svd" ? "rank r" : "rank r1 (r2 = ⌊β·r1⌋)",
      yLabel: "throughput (images/s, median, 95% CI)")
    chart.reverseX = true
    let batch = Double(first.plan.batch)
    var index = 0
    for result in results {
      for sweep in result.configs {
        let color = SVGChart.palette[index % SVGChart.palette.count]
        index += 1
        let name = "\(result.plan.measuredBackend), \(sweep.config)"
        chart.series.append(
          .init(
            name: name, color: color, points: sweep.timings.map { (Double($0.rank), batch / $0.median) },
            intervals: sweep.timings.map { (Double($0.rank), batch / $0.upper, batch / $0.lower) }))
        chart.references.append(
          .init(y: batch / sweep.referenceSeconds, label: "original, \(name)", color: color))
      }
    }
    return chart.render()
  }

  /// Writes `backends.md` and `backends.svg` into `directory` (the parent of the backends' sweeps),
  /// atomically.
  package static func write(_ results: [SweepResult], to directory: RunDirectory) throws {
    try directory.write(markdown(results), to: "backends.md")
    try directory.write(svg(results), to: "backends.svg")
  }
}
