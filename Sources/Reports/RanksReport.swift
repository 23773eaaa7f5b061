import Foundation
import Harness
import Results

/// `lrd-bench ranks`: the paper's Table 2 (layer, in, out, α ranks, optimized ranks or ORG) measured here.
package enum RanksReport {
  static func choice(_ row: RanksRow, _ policy: String) -> String {
    guard let value = row.choices[policy] else { return "—" }
    return value.map(String.init) ?? "ORG"
  }

  /// The replicate count the table's stabilities come from.
  static func replicates(_ r: RanksResult) -> Int {
    r.rows.lazy.compactMap { $0.stability?.values.first?.replicates }.first ?? 0
  }

  /// The choice with its stability ("252 (43%)") and a † when its point did not reproduce.
  static func choiceWithStability(_ row: RanksRow, _ policy: String) -> String {
    choice(row, policy) + (row.stability?[policy].map { " (\(Format.percent($0.share, digits: 0)))" } ?? "")
      + (row.unreproduced?.contains(policy) == true ? " †" : "")
  }

  /// Every layer's chosen ranks and speed-ups per policy, with the network totals, as Markdown.
  package static func markdown(_ r: RanksResult) -> String {
    var lines =
      [
        "# Ranks before and after rank optimization: \(r.onnx.map { "\($0)" } ?? r.model.displayName)",
        "",
        "α = \(Format.fixed(r.ratio, 2)); batch \(r.batch), \(r.mode), \(r.threads). \(r.sweeps) distinct shapes "
          + "swept (\(r.points) points) in \(Format.clock(r.elapsedSeconds)); layers of identical shape share one sweep.",
        "",
      ] + ShardText.lines(shard: r.shard, mergedFrom: r.mergedFrom, unit: "layer")
      + FingerprintText.header(r.fingerprint) + BackendCheckText.lines(r.backendCheck) + [
        ""
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
          + r.policies.map { choiceWithStability(row, $0.rawValue) }
          + r.policies.map { Format.ratio(row.speedups[$0.rawValue] ?? 1) })
    }
    lines.append(table.text)
    if r.rows.contains(where: { $0.measuredAs != $0.layer }) {
      lines.append("¹ same shape as an earlier layer; its sweep is reused.")
    }
    lines.append("")
    lines.append(
      "ORG: the original layer is kept (no rank in the window was faster by the policy's rule; robust also requires the "
        + "paired check to confirm the speed-up). Ranks are r for SVD (1×1, fc) and r1 for Tucker-2 "
        + "(r2 = ⌊β·r1⌋). Per-layer sweeps (CSV, JSON, SVG) are in sweeps/<layer>/.")
    if r.rows.contains(where: { $0.stability != nil }) {
      lines.append("")
      lines.append(
        "(x%): the share of \(replicates(r)) resampled sweeps (each rank's paired samples redrawn) "
          + "in which the policy picks the same answer; low shares mark decisions that move between runs. "
          + "†: paper's deciding drop did not reproduce (a pass without it, or it vanishes with the check's value). "
          + "Speed-ups are the checks' (fresh paired measurements).")
    }
    if r.interrupted {
      lines += [
        "", "**Interrupted**: partial table; resuming this run directory continues it.",
      ]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// One CSV row per layer and policy.
  package static func csv(_ r: RanksResult) -> String {
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

  /// Writes `ranks.md`, `ranks.csv` and `ranks.json` into `directory`, atomically, and each sweep's reports
  /// into its own directory.
  package static func write(_ r: RanksResult, to directory: RunDirectory) throws {
    for sweep in r.sweepRuns { try SweepReport.write(sweep.result, to: sweep.directory) }
    try directory.write(markdown(r), to: "ranks.md")
    try directory.write(csv(r), to: "ranks.csv")
    try directory.write(try JSONCoding.encoder.encode(r), to: "ranks.json")
    try directory.write(LaTeXTables.table2(r), to: "table2.tex")
  }
}
