import Foundation
import Results
import Suites

/// `lrd-bench run`: the stored run, each point's median with its CI, and the reference checks.
package enum SuiteRunReport {
  /// The run as Markdown: where it was stored, one row per case with median, CI, CV, samples, stop reason and
  /// reference.
  package static func markdown(_ r: SuiteRunResult) -> String {
    var lines = [
      "# Run #\(r.run.id) of suite \(r.suite)" + (r.run.label.map { " (\($0))" } ?? ""), "",
      "Stored in \(r.store); machine \(r.run.machineKey) (references for '\(r.machineLabel)'); commit "
        + "\(r.run.commit), \(r.run.build) build; \(r.outcomes.count) points in \(Format.clock(r.elapsedSeconds))"
        + (r.run.shard.map { ", shard \($0) (\(r.skippedByShard) points left to other shards)" } ?? "") + ".",
      "",
    ]
    var table = MarkdownTable(
      header: ["point", "median", "95% CI", "CV", "samples", "stop", "reference"],
      alignment: [.left, .right, .right, .right, .right, .left, .left])
    for outcome in r.outcomes {
      let record = outcome.record
      table.append([
        outcome.name
          + (outcome.injectedSlowdown > 0
            ? " (+\(Format.fixed(outcome.injectedSlowdown * 100, 1))% injected)" : ""),
        Format.duration(record.median),
        "[\(Format.duration(record.ciLow)), \(Format.duration(record.ciHigh))]",
        Format.percent(record.cv, digits: 1), "\(record.samples.count) × \(record.callsPerSample)",
        record.stopReason, referenceText(outcome.reference),
      ])
    }
    lines.append(table.text)
    let failed = r.failedReferences
    if !failed.isEmpty {
      lines.append("Outside their reference bounds: \(failed.map(\.name).joined(separator: ", ")).")
    }
    if r.interrupted {
      lines.append("Interrupted: run #\(r.run.id) is stored as incomplete with the points above.")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  static func referenceText(_ check: ReferenceCheck?) -> String {
    guard let check else { return "—" }
    let r = check.reference
    let bounds =
      "[\(Format.fixed(r.expected * (1 + r.lower), 4)), \(Format.fixed(r.expected * (1 + r.upper), 4))] \(r.unit.rawValue)"
    return (check.passed ? "ok " : "**outside** ") + "\(Format.fixed(check.value, 4)) in \(bounds)"
  }

  /// The run as JSON (`lrd-bench/run@1`).
  package static func json(_ r: SuiteRunResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}
