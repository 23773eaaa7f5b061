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

  @Option(parsing: .unconditional, help: "Smallest change flagged, as a fraction (default 0.03).")
  var threshold: Double = 0.03

  @Option(parsing: .unconditional, help: "Significance level (default 0.01).")
  var alpha: Double = 0.01

  @OptionGroup var storeOptions: StoreOptions

  @Option(help: "Output format.")
  var format: ReportFormat = .markdown

  @Option(help: "Also write the trend as SVG to this file.")
  var svg: String?

  @Flag(help: "The point's ratio in every stored A/B run (lrd-bench ab) instead of its runs.")
  var ab = false

  func validate() throws { try CompareCommand.checkSignificance(threshold: threshold, alpha: alpha) }

  func run() throws {
    try guarded {
      let svgFile = try svg.map { path throws(ResultsError) in try OutputFile(path) }
      let store = try storeOptions.open(.read)
      let machine = storeOptions.machine == "all" ? nil : try storeOptions.machineKey()
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
