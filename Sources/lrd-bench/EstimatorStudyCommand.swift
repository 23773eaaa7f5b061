import ArgumentParser
import Foundation
import Harness
import Reports
import Results

/// Scores paired-ratio estimators and interval methods on samples recorded by `selftest --record`.
struct EstimatorStudyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "estimator-study",
    abstract: "Compare paired-ratio estimators and interval methods on recorded samples (selftest --record).",
    discussion: """
      For every estimator (median of per-pair log ratios, median / Hodges–Lehmann / 10%-trimmed mean of ABBA-block log ratios, ratio of minimums) and interval method (moving-block bootstrap of the pairs, bootstrap of ABBA blocks, order statistics): the A/A false-positive rate of the 95% interval, the detection rate of each injected slowdown, the mean half-width, and how often the two halves of a measurement agree within ±2%. This is how lrd-bench's paired statistics were chosen (docs/methods.md "How measurements are made").
      """,
    shouldDisplay: false)

  @Argument(help: "JSON files written by selftest --record.")
  var files: [String]

  @Option(help: "Bootstrap replicates per interval.")
  var replicates: Int = 1000

  func run() throws {
    try guarded {
      for file in files {
        guard let data = FileManager.default.contents(atPath: file) else {
          throw HarnessError.invalidRequest("\(file): no such readable file; give a selftest --record file")
        }
        let recorded: [RecordedPairs]
        do {
          recorded = try JSONCoding.decoder.decode([RecordedPairs].self, from: data)
        } catch {
          throw HarnessError.invalidRequest(
            "\(file) is not a selftest --record file (\(JSONCoding.problem(error)))")
        }
        guard !recorded.isEmpty else { throw HarnessError.invalidRequest("\(file) holds no measurement") }
        let rows = EstimatorStudy.evaluate(recorded, replicates: replicates)
        emit(
          "\(file): \(recorded.filter { $0.injected == 0 }.count) A/A measurements, "
            + "\(recorded.filter { $0.injected > 0 }.count) injected, "
            + "median \(recorded.map(\.a.count).sorted()[recorded.count / 2]) pairs each\n")
        emit(EstimatorStudyReport.table(rows) + "\n")
        emit(EstimatorStudyReport.rules(EstimatorStudy.evaluateRules(recorded)) + "\n")
      }
    }
  }
}
