import Foundation
import Results
import Suites

/// `lrd-bench ab`: every case's new ÷ base ratio over rounds with its CI, sign test, verdict and detectable
/// change, the suite's geometric mean, the cases one build lacks, failures, and what the exit status means.
package enum ABReport {
  static func percent(_ ratio: Double) -> String {
    guard ratio.isFinite else { return "n/a" }
    let v = (ratio - 1) * 100
    return (v >= 0 ? "+" : "") + Format.fixed(v, 2) + "%"
  }

  static func verdictText(_ verdict: RoundComparison.Verdict) -> String {
    switch verdict {
    case .regression: return "**regression** ▲"
    case .improvement: return "**improvement** ▼"
    case .unchanged: return "unchanged ="
    case .inconclusive: return "inconclusive ?"
    }
  }

  static func build(_ b: BuildIdentity) -> String {
    "commit \(b.commit) (\(b.build), lrd-bench \(b.version)) at \(b.path)"
      + (b.environment.isEmpty ? "" : " with \(b.environment.joined(separator: " "))")
  }

  /// The A/B comparison as Markdown.
  package static func markdown(_ r: ABResult) -> String {
    let compared = r.points.filter { $0.failure == nil }
    var lines = [
      "# A/B: suite \(r.run.suite), ab#\(r.run.id)" + (r.run.label.map { " (\($0))" } ?? ""), "",
      "- base: \(build(r.base))",
      "- new: \(build(r.new))",
      "- machine \(r.run.machineKey); started \(r.run.startedAt); \(r.roundsCompleted) of \(r.run.rounds) rounds "
        + "completed" + (r.interrupted ? " (**interrupted**: resuming ab#\(r.run.id) continues it)" : ""),
      "",
      "Both builds ran in their own worker process, interleaved: in each round every point was measured once per "
        + "build, back to back, in ABBA order over rounds (layer programs built anew each round, the workers "
        + "replaced by fresh processes during the run). With d = ln(new round median ÷ "
        + "base round median) per round (drift both builds see in a round cancels), a point's ratio is "
        + "exp(Hodges–Lehmann estimate of d) with the distribution-free CI from the exact Wilcoxon signed-rank "
        + "distribution (its coverage is given); the p-value is the exact sign test over rounds, adjusted by "
        + "Benjamini–Hochberg over the "
        + "\(compared.count) points (false-discovery rate 5%). Samples within a round are never treated as "
        + "independent. Verdicts at ±\(Format.fixed(r.run.threshold * 100, 1))%: **regression** when the CI lies "
        + "above +\(Format.fixed(r.run.threshold * 100, 1))% and the adjusted p < 0.05, **improvement** the "
        + "mirror, **unchanged** only when the whole CI lies within ±\(Format.fixed(r.run.threshold * 100, 1))%, "
        + "otherwise **inconclusive**. *Detectable* is the smallest change this run could have called a "
        + "regression at that point (threshold + the CI's half-width).",
      "",
    ]
    var table = MarkdownTable(
      header: [
        "point", "base", "new", "new ÷ base (CI)", "level", "rounds", "p (BH)", "detectable", "verdict",
      ],
      alignment: [.left, .right, .right, .right, .right, .right, .right, .right, .left])
    for p in r.points {
      let c = p.comparison
      if let failure = p.failure {
        table.append([p.name, "", "", "", "", "", "", "", "failed: \(failure.prefix(120))"])
        continue
      }
      table.append([
        p.name + (p.injected > 0 ? " ⚠" : ""), Format.duration(p.baseMedian), Format.duration(p.newMedian),
        "\(percent(c.ratio)) [\(percent(c.lower)), \(percent(c.upper))]", Format.percent(c.level, digits: 1),
        "\(c.rounds)", Format.pValue(c.adjustedP),
        c.detectable.isFinite ? "±" + Format.fixed(c.detectable * 100, 1) + "%" : "n/a",
        verdictText(c.verdict),
      ])
    }
    let g = r.geometricMean
    table.append([
      "**geometric mean**", "", "", "\(percent(g.ratio)) [\(percent(g.lower)), \(percent(g.upper))]",
      Format.percent(g.level, digits: 1), "\(g.rounds)", Format.pValue(g.p), "", verdictText(g.verdict),
    ])
    lines.append(table.text)
    lines.append(
      "Summary: \(r.count(.regression)) regression(s), \(r.count(.improvement)) improvement(s), "
        + "\(r.count(.unchanged)) unchanged, \(r.count(.inconclusive)) inconclusive, \(r.failed.count) failed."
    )
    let injected = r.points.filter { $0.injected > 0 }
    if !injected.isEmpty {
      lines.append(
        "⚠ a slowdown was injected into the new build's measurements of \(injected.map { "\($0.name) (\(Format.percent($0.injected, digits: 1)))" }.joined(separator: ", ")) (test knob LRD_BENCH_INJECT_SLOWDOWN)."
      )
    }
    if let counts = r.instructions {
      lines.append(contentsOf: instructionLines(counts))
    }
    if !r.onlyBase.isEmpty || !r.onlyNew.isEmpty {
      lines.append(
        "Not compared (the suite differs between the builds): only in base: "
          + (r.onlyBase.isEmpty ? "none" : r.onlyBase.joined(separator: ", ")) + "; only in new: "
          + (r.onlyNew.isEmpty ? "none" : r.onlyNew.joined(separator: ", ")) + ".")
    }
    lines.append(
      "Exit status: 0 no regression and every point decided; 2 at least one regression (or an instruction count "
        + "up beyond ±0.5%); 3 no regression but some point inconclusive or failed; 4 improvements only; "
        + "130 interrupted.")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The instruction-count section: per case both builds' instructions per call, the change, flags and the
  /// functions that changed most.
  static func instructionLines(_ counts: [InstructionGate.Comparison]) -> [String] {
    var lines = [
      "", "## Instruction counts (callgrind)", "",
      "Each 1-thread layer case ran under valgrind's callgrind with only its timed calls counted (client "
        + "requests around them), on the AVX2 kernel path (OPENBLAS_CORETYPE=Haswell, ONEDNN_MAX_CPU_ISA=AVX2: "
        + "valgrind does not run AVX-512). Deterministic: this gate guards lrd-bench's own code (im2col, batch "
        + "norm, pooling, SGD, gradient plumbing), not the libraries' AVX-512 kernels or threading. A change "
        + "beyond ±0.5% is flagged.", "",
    ]
    var table = MarkdownTable(
      header: ["case", "base instr./call", "new instr./call", "change", "flag"],
      alignment: [.left, .right, .right, .right, .left])
    for c in counts {
      table.append([
        c.name, String(format: "%.0f", c.base), String(format: "%.0f", c.new),
        Format.signedPercent(c.change * 100, digits: 3), c.flagged ? "**changed**" : "",
      ])
    }
    lines.append(table.text)
    for c in counts where c.flagged {
      lines.append(
        "- \(c.name): "
          + c.functions.map {
            "\($0.function) \(String(format: "%.0f", $0.base)) → \(String(format: "%.0f", $0.new))"
          }.joined(separator: "; "))
    }
    lines.append(
      "Summary: \(counts.filter(\.flagged).count) of \(counts.count) cases changed beyond ±0.5%.")
    return lines
  }

  /// The A/B result as JSON (`lrd-bench/ab@1`).
  package static func json(_ r: ABResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }

  /// The exit status of an A/B result: 2 any regression (timing, or an instruction count up beyond the gate);
  /// 3 none but something inconclusive or failed; 4 improvements only; 0 otherwise.
  package static func exitStatus(_ r: ABResult) -> Int32 {
    let counts = r.instructions ?? []
    if r.count(.regression) > 0 || counts.contains(where: { $0.flagged && $0.change > 0 }) { return 2 }
    if r.count(.inconclusive) > 0 || !r.failed.isEmpty { return 3 }
    if r.count(.improvement) > 0 || counts.contains(where: { $0.flagged }) { return 4 }
    return 0
  }
}

/// `lrd-bench history POINT --ab`: the point's A/B ratio per A/B run.
package enum ABHistoryReport {
  /// One row per A/B run: date, commits, ratio with CI, verdict.
  package static func markdown(_ h: ABHistory) -> String {
    var table = MarkdownTable(
      header: ["A/B run", "started", "base → new", "new ÷ base (CI)", "rounds", "verdict"],
      alignment: [.left, .left, .left, .right, .right, .left])
    for e in h.entries {
      let c = e.comparison
      table.append([
        "ab#\(e.run.id)" + (e.run.label.map { " \($0)" } ?? ""), e.run.startedAt,
        "\(e.baseCommit.prefix(10)) → \(e.newCommit.prefix(10))",
        "\(ABReport.percent(c.ratio)) [\(ABReport.percent(c.lower)), \(ABReport.percent(c.upper))]",
        "\(c.rounds)",
        ABReport.verdictText(c.verdict),
      ])
    }
    return "# A/B history of \(h.point)\n\n" + table.text + "\n"
  }

  /// The history as JSON.
  package static func json(_ h: ABHistory) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(h), as: UTF8.self) + "\n"
  }
}
