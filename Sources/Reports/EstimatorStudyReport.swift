import Harness

/// The table of `lrd-bench estimator-study`.
package enum EstimatorStudyReport {
  /// The estimator study's rows (coverage, width and cost per estimator and rule) as a Markdown table.
  package static func table(_ rows: [EstimatorStudy.Row]) -> String {
    let injected = Array(Set(rows.flatMap { $0.injectedMeasurements.keys })).sorted()
    var table = MarkdownTable(
      header: ["estimator", "95% interval", "A/A flagged", "mean ±half-width", "halves within ±2%"]
        + injected.map { "+\(Format.percent($0, digits: 0)) detected" },
      alignment: [.left, .left, .right, .right, .right] + injected.map { _ in .right })
    for row in rows {
      table.append(
        [
          row.estimator.rawValue, row.interval.rawValue,
          "\(row.aaFlagged)/\(row.aaMeasurements) (\(Format.percent(Double(row.aaFlagged) / Double(max(row.aaMeasurements, 1)), digits: 1)))",
          Format.percent(row.meanHalfWidth, digits: 2), Format.percent(row.halvesAgree, digits: 0),
        ]
          + injected.map { level in
            let tries = row.injectedMeasurements[level] ?? 0
            return "\(row.detections[level] ?? 0)/\(tries)"
          })
    }
    return table.text
  }

  package static func rules(_ rows: [EstimatorStudy.RuleRow]) -> String {
    var table = MarkdownTable(
      header: ["sampling rule", "reached ±1%", "cost (share of 8B)", "A/A flagged", "mean ±half-width"],
      alignment: [.left, .right, .right, .right, .right])
    for row in rows {
      table.append([
        row.rule.rawValue, Format.percent(row.reachedTarget, digits: 0), Format.percent(row.cost, digits: 0),
        Format.percent(row.falsePositives, digits: 1), Format.percent(row.meanHalfWidth, digits: 2),
      ])
    }
    return table.text
  }
}
