import Foundation
import Harness
import Results

/// `ranks --backend all`: the paper's Table 2 on every kernel backend side by side — per layer each
/// backend's original time and each policy's rank, and per policy the best (backend, rank) pair — with the
/// network's conv/linear time per backend and with each layer on its best backend.
///
/// Backends are measured in separate runs (unpaired across backends); a choice's time is the layer's
/// original time T on that backend divided by the paired speed-up of its run.
package enum RanksBackendsReport {
  /// One layer's fastest (backend, choice) and its time per call.
  struct Best {
    var backend: String
    var label: String
    var seconds: Double
  }

  /// The fastest backend for the row at `index` under `policy`, or for the original layer when it is nil.
  ///
  /// Each backend contributes its own choice under `policy`; choices of different policies differ in
  /// accuracy, so they are never compared with each other.
  static func best(_ results: [RanksResult], row index: Int, policy: String?) -> Best? {
    var best: Best?
    for result in results where index < result.rows.count {
      let row = result.rows[index]
      var candidate = Best(
        backend: result.fingerprint.kernelBackend.libraryName, label: "ORG", seconds: row.originalSeconds)
      if let policy {
        guard let speedup = row.speedups[policy], let choice = row.choices[policy] else { continue }
        candidate.label = choice.map(String.init) ?? "ORG"
        candidate.seconds = row.originalSeconds / speedup
      }
      if candidate.seconds < (best?.seconds ?? .infinity) { best = candidate }
    }
    return best
  }

  /// The table as Markdown: per layer each backend's T and policy choices, the best pair, and totals.
  package static func markdown(_ results: [RanksResult]) -> String {
    guard let first = results.first else { return "" }
    var lines = [
      "# Optimized ranks of \(first.model.displayName) on \(results.count) kernel backends",
      "",
      "α = \(Format.fixed(first.ratio, 2)); batch \(first.batch), \(first.mode), \(first.threads). Each backend "
        + "studied in its own run (`<out>/<backend>/`, full reports there); a choice's time is the layer's "
        + "original time T on that backend ÷ the paired speed-up of its run (comparisons across backends are "
        + "unpaired). Cells: T, then each policy's choice (\(first.policies.map(\.rawValue).joined(separator: " / "))) "
        + "with its speed-up.",
      "",
      "Backends: " + results.map { $0.fingerprint.gemmBackend ?? "?" }.joined(separator: "; ") + ".",
      "",
    ]
    var table = MarkdownTable(
      header: ["layer", "in", "out", "α rank"] + results.map { $0.fingerprint.kernelBackend.libraryName }
        + first.policies.map { "best for \($0)" },
      alignment: [.left, .right, .right, .right] + results.map { _ in .right }
        + first.policies.map { _ in .left })
    var bestTotals = [Double](repeating: 0, count: first.policies.count)
    var totals = [Double](repeating: 0, count: results.count)
    var originalTotals = [Double](repeating: 0, count: results.count)
    for (index, row) in first.rows.enumerated() {
      var cells = [row.layer, String(row.inChannels), String(row.outChannels), String(row.alphaRank)]
      for (b, result) in results.enumerated() {
        guard index < result.rows.count else {
          cells.append("—")
          continue
        }
        let r = result.rows[index]
        let choices = result.policies.map { policy -> String in
          let choice = r.choices[policy.rawValue].map { $0.map(String.init) ?? "ORG" } ?? "—"
          return "\(choice) (\(Format.ratio(r.speedups[policy.rawValue] ?? 1)))"
        }
        cells.append(Format.duration(r.originalSeconds) + ": " + choices.joined(separator: " / "))
        originalTotals[b] += r.originalSeconds
        totals[b] += r.originalSeconds / (result.policies.first.flatMap { r.speedups[$0.rawValue] } ?? 1)
      }
      for (p, policy) in first.policies.enumerated() {
        let best = best(results, row: index, policy: policy.rawValue)
        bestTotals[p] += best?.seconds ?? 0
        cells.append(best.map { "\($0.backend), \($0.label): \(Format.duration($0.seconds))" } ?? "—")
      }
      table.append(cells)
    }
    lines.append(table.text)
    lines.append("")
    let policy = first.policies.first?.rawValue ?? "?"
    lines.append(
      "Every conv/linear layer once (batch norm, ReLU, pooling excluded): "
        + results.enumerated().map { b, result in
          "\(result.fingerprint.kernelBackend.libraryName) \(Format.duration(originalTotals[b])) original, "
            + "\(Format.duration(totals[b])) with \(policy)'s ranks"
        }.joined(separator: "; ") + "; each layer on its best backend for "
        + first.policies.enumerated().map { p, policy in "\(policy): \(Format.duration(bestTotals[p]))" }
        .joined(separator: ", ") + ".")
    if results.contains(where: \.interrupted) {
      lines += ["", "**Interrupted**: not every backend finished; resuming this run directory continues it."]
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Writes `backends.md` into `directory` (the parent of the backends' studies), atomically.
  package static func write(_ results: [RanksResult], to directory: RunDirectory) throws {
    try directory.write(markdown(results), to: "backends.md")
  }
}
