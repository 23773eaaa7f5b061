import Foundation
import Harness
import Results

/// A study with its reports: what the study driver writes into the run directory and prints.
package protocol ReportedStudy: Study {
  /// The files a finished run leaves, as the closing line names them ("sweep.{md,csv,json,svg}").
  static var reportFiles: String { get }
  /// Writes every report file of `result` into `directory` (and its child studies' into theirs).
  static func writeReports(_ result: Result, to directory: RunDirectory) throws
  /// The summary printed on stdout.
  static func markdown(_ result: Result) -> String
}

/// A study whose `--backend all` runs get a comparison across backends.
package protocol MultiBackendReportedStudy: ReportedStudy, MultiBackendStudy {
  /// The files of a `--backend all` run.
  static var backendsReportFiles: String { get }
  /// Writes the comparison of every backend's result into the parent directory.
  static func writeBackendsReports(_ results: [Result], to directory: RunDirectory) throws
  /// The comparison printed on stdout.
  static func backendsMarkdown(_ results: [Result]) -> String
}

extension SweepStudy: MultiBackendReportedStudy {
  package static let reportFiles = "sweep.{md,csv,json,svg}"
  package static let backendsReportFiles = "backends.{md,svg} and <backend>/sweep.{md,csv,json,svg}"
  package static func writeReports(_ result: SweepResult, to directory: RunDirectory) throws {
    try SweepReport.write(result, to: directory)
  }
  package static func markdown(_ result: SweepResult) -> String { SweepReport.markdown(result) }
  package static func writeBackendsReports(_ results: [SweepResult], to directory: RunDirectory) throws {
    try SweepBackendsReport.write(results, to: directory)
  }
  package static func backendsMarkdown(_ results: [SweepResult]) -> String {
    SweepBackendsReport.markdown(results)
  }
}

extension RanksStudy: MultiBackendReportedStudy {
  package static let reportFiles = "ranks.{md,csv,json}, table2.tex and sweeps/<layer>/"
  package static let backendsReportFiles = "backends.md and <backend>/ranks.{md,csv,json}"
  package static func writeReports(_ result: RanksResult, to directory: RunDirectory) throws {
    try RanksReport.write(result, to: directory)
  }
  package static func markdown(_ result: RanksResult) -> String { RanksReport.markdown(result) }
  package static func writeBackendsReports(_ results: [RanksResult], to directory: RunDirectory) throws {
    try RanksBackendsReport.write(results, to: directory)
  }
  package static func backendsMarkdown(_ results: [RanksResult]) -> String {
    RanksBackendsReport.markdown(results)
  }
}

extension BranchesStudy: ReportedStudy {
  package static let reportFiles = "branches.{md,csv,json,svg}"
  package static func writeReports(_ result: BranchesResult, to directory: RunDirectory) throws {
    try BranchesReport.write(result, to: directory)
  }
  package static func markdown(_ result: BranchesResult) -> String { BranchesReport.markdown(result) }
}

extension TableStudy: ReportedStudy {
  package static let reportFiles =
    "table1.{md,tex}, table3.{md,tex}, table.{csv,json}, figure5.svg, speedups.svg (and their PDFs with rsvg-convert)"
  package static func writeReports(_ result: TableResult, to directory: RunDirectory) throws {
    try TableReport.write(result, to: directory)
  }
  package static func markdown(_ result: TableResult) -> String { TableReport.markdown(result) }
}
