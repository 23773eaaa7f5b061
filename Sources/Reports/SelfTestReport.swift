import Foundation
import Harness
import Results

/// `lrd-bench selftest`: what the timing machinery did on this machine, with the expectation next to
/// each figure (reported, not asserted).
package enum SelfTestReport {
  /// The self-test as text: clock, sample length, counters, A/A and injected-slowdown results.
  package static func text(_ r: SelfTestResult) -> String {
    func rate(_ count: Int, _ of: Int) -> String {
      of == 0 ? "n/a" : "\(count)/\(of) (\(Format.percent(Double(count) / Double(of), digits: 1)))"
    }
    var lines = [
      "Self-test of the timing machinery (reported, not asserted: it depends on this machine and its load)."
    ]
    lines += FingerprintText.header(r.fingerprint)
    lines.append("")
    lines.append(
      "Clock: \(r.clock.source), \(Format.fixed(r.clock.medianNanoseconds, 0)) ns per reading (min "
        + "\(Format.fixed(r.clock.minimumNanoseconds, 0)) ns), resolution \(r.clock.resolutionNanoseconds) ns."
    )
    lines.append(
      "Sample length: asked for ≥ \(Format.duration(r.sampleTarget)), median sample \(Format.duration(r.sampleLength))"
        + (r.sampleLength >= 0.9 * r.sampleTarget
          ? " (ok)." : " (SHORT: the calibration did not batch enough calls)."))
    if let busy = r.sgemmBusyThreads {
      lines.append(
        "CPU counters: task-clock ÷ wall of a \(r.sgemmThreads)-thread sgemm = \(Format.fixed(busy, 2)) busy threads"
          + " (expect ≈ \(r.sgemmThreads) on an idle machine: the counters cover every thread).")
    } else {
      lines.append("CPU counters: perf::TASK-CLOCK is not available here.")
    }
    // The paired checks only when some ran (--pairs 0 --tries 0 runs the phases benchmark alone).
    if r.aaPairs > 0 || r.injections.contains(where: { $0.tries > 0 }) {
      lines.append("")
      lines.append(
        "Paired checks on \(r.point), \(Format.fixed(r.budgetSeconds, 2)) s per paired measurement:")
      lines.append(
        "- A/A (the same program against itself, \(r.aaPairs) measurements): 95% CI excludes 1 in "
          + "\(rate(r.aaCIFlagged, r.aaPairs)); Wilcoxon p < 0.05 in \(rate(r.aaWilcoxonFlagged, r.aaPairs)) "
          + "(nominal 5%).")
      for injection in r.injections {
        lines.append(
          "- +\(Format.percent(injection.slowdown, digits: 0)) injected into B (a busy-wait inside the timed call): "
            + "detected (CI lower bound > 1) in \(rate(injection.detected, injection.tries)); median measured ratio "
            + "\(Format.fixed(injection.medianRatio, 4)).")
      }
    }
    if let phases = r.phases { lines += [""] + phaseLines(phases) }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The phases benchmark: per library, its median, the share of windows within ±15% and the phases beyond.
  static func phaseLines(_ p: BackendPhasesResult) -> [String] {
    var lines = [
      "Phases: \(p.subject), \(p.threads), the libraries in turns in \(Format.duration(p.windowSeconds)) windows "
        + "for \(Format.clock(p.seconds)) (one untimed call before each window):"
    ]
    for series in p.series {
      let phases = series.phases
      let listed = phases.prefix(6).map {
        "\(Format.fixed($0.start, 0)) s: \($0.windows) window\($0.windows == 1 ? "" : "s") at "
          + "\(Format.fixed($0.level, 2))×"
      }
      lines.append(
        "- \(series.label) (\(series.synchronizationsPerCall) fork-join\(series.synchronizationsPerCall == 1 ? "" : "s") "
          + "per call): median \(Format.duration(series.median)), "
          + "\(Format.percent(series.withinTolerance, digits: 0)) of \(series.windows.count) windows within ±15%"
          + (phases.isEmpty
            ? "; no phase beyond ±15%."
            : "; \(phases.count) phase\(phases.count == 1 ? "" : "s") beyond: \(listed.joined(separator: ", "))"
              + (phases.count > 6 ? ", …" : "") + "."))
    }
    return lines
  }

  /// The same as JSON.
  package static func json(_ r: SelfTestResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}
