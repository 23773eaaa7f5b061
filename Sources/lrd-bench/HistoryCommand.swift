import ArgumentParser
import Foundation
import Reports
import Results
import Store
import Suites
import Support

struct HistoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "history",
    abstract: "A point's median and CI over the stored runs, change points flagged, with an SVG trend.",
    discussion: """
      POINT is a stored point name as run prints it (e.g. layer4.2.conv2/alpha/inference/t2). Runs of this machine by default (--machine KEY, or --machine all). A run is flagged as a change point when it differs from the previous run by more than --threshold with Mann–Whitney p < --alpha.

      With --ab, the point's new ÷ base ratio (CI over rounds, verdict) in every stored A/B run instead (the nightly A/B's trend); --since applies, --svg does not.
      """)

  @Argument(help: "The point name.")
  var point: String

  @Option(help: "Only runs started on or after this date (ISO 8601, e.g. 2026-11-01).")
  var since: String?

  @Option(parsing: .unconditional, help: "Smallest change flagged, as a fraction.")
  var threshold: Double = 0.03

  @Option(parsing: .unconditional, help: "Significance level.")
  var alpha: Double = 0.01

  @OptionGroup var storeOptions: StoreOptions

  @Option(help: "Output format.")
  var format: ReportFormat = .markdown

  @Option(help: "Also write the trend as SVG to this file.")
  var svg: String?

  @Flag(help: "The point's ratio in every stored A/B run (lrd-bench ab) instead of its runs.")
  var ab = false

  func validate() throws {
    try CompareCommand.checkSignificance(threshold: threshold, alpha: alpha)
    if let since, Self.date(since) == nil {
      throw ValidationError(
        "--since '\(ClosestNames.truncated(since))' is not a date; use ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00:00Z"
      )
    }
  }

  /// An ISO 8601 date (2026-11-01) or date and time (2026-11-01T12:00:00Z), nil for anything else.
  static func date(_ text: String) -> Date? {
    let full = ISO8601DateFormatter()
    if let date = full.date(from: text) { return date }
    let day = ISO8601DateFormatter()
    day.formatOptions = [.withFullDate]
    return text.count == 10 ? day.date(from: text) : nil
  }

  func run() throws {
    try guarded {
      let svgFile = try svg.map { path throws(ResultsError) in try OutputFile(path) }
      let store = try storeOptions.open(.read)
      let machine = storeOptions.machine == "all" ? nil : try storeOptions.machineKey()
      // Start times are stored as UTC ISO 8601, so the date is compared in that form.
      let since = self.since.flatMap(Self.date).map { ISO8601DateFormatter().string(from: $0) }
      if ab {
        guard svg == nil else {
          throw StoreError.invalid("--svg draws runs, not A/B runs; drop --svg or --ab")
        }
        let runs = try store.abRuns(machine: machine).filter { since == nil || $0.startedAt >= since! }
        let history = try ABHistory(
          point: point, runs: try runs.map { ($0, try store.abMeasurements(of: $0.id)) })
        guard !history.entries.isEmpty else {
          throw StoreError.invalid("no stored A/B run measured '\(ClosestNames.truncated(point))'")
        }
        return emit(format == .json ? try ABHistoryReport.json(history) : ABHistoryReport.markdown(history))
      }
      let records = try store.history(of: point, machine: machine, since: since)
      if records.isEmpty, let since, !(try store.history(of: point, machine: machine, since: nil)).isEmpty {
        throw StoreError.invalid(
          "no stored run measured '\(ClosestNames.truncated(point))' since \(since)"
            + (machine.map { " on machine \($0)" } ?? "")
            + "; it was measured only earlier: drop --since or give an earlier date")
      }
      guard !records.isEmpty else {
        let close = ClosestNames.to(point, in: try store.pointNames(), limit: 5)
        throw StoreError.invalid(
          "no stored run measured '\(ClosestNames.truncated(point))'"
            + (machine.map { " on machine \($0)" } ?? "")
            + (close.isEmpty ? "" : "; closest point names: \(close.joined(separator: ", "))"))
      }
      let history = PointHistory(
        point: point, records: records, settings: ComparisonSettings(threshold: threshold, alpha: alpha))
      try svgFile?.write(HistoryReport.svg(history))
      emit(format == .json ? try HistoryReport.json(history) : HistoryReport.markdown(history))
    }
  }
}
