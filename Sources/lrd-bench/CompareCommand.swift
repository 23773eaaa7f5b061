import ArgumentParser
import Foundation
import Reports
import Results
import Statistics
import Store
import Suites
import Tensors

struct CompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract:
      "Compare two runs point by point: regressions and improvements that are both large and significant.",
    discussion: """
      BASE and NEW are run ids (12 or #12), labels, latest, previous or baseline (this machine's; see lrd-bench baseline), or JSON files written by lrd-bench export --format json. Defaults: baseline and latest.

      Per point (matched by name): the ratio of the medians new/base with a 95% percentile-bootstrap CI (the two sample sets resampled independently), a Mann–Whitney U test, corrected across the suite's points (Holm by default, or Benjamini–Hochberg); the verdict is regression or improvement only when the change is beyond its band (the largest of --threshold, the drift between the halves of either run, and — from the --history earlier runs, using only commits measured at least twice — t(0.995)·σ·√2 with σ the robust (MAD) run-to-run SD of one commit's runs) and significant at --alpha; unchanged only when the ratio's whole CI lies within ±band; inconclusive otherwise. Across nights, lrd-bench ab (both builds in one run) is the sharper comparison. A geometric-mean row summarises every point. Points stopped by their budget before reaching their CI target are marked.

      Runs of different machine keys are refused unless --allow-different-machines, runs on different kernel backends unless --allow-different-backends (earlier runs used for the band are those of the same backend). Exit status: 0 no regression, 2 a regression, 4 improvements only, 5 no baseline (or no earlier run) to compare with, 64 bad arguments.
      """)

  @Argument(help: "The base run.")
  var base: String = "baseline"

  @Argument(help: "The new run.")
  var new: String = "latest"

  @Option(parsing: .unconditional, help: "Smallest change that counts, as a fraction.")
  var threshold: Double = 0.03

  @Option(parsing: .unconditional, help: "Significance level after correction.")
  var alpha: Double = 0.01

  @Option(help: "Multiple-comparison correction.")
  var correction: Choice<Correction> = Choice(.holm)

  @Option(
    parsing: .unconditional,
    help:
      "Earlier runs of the suite on the machine whose spread widens the band (once 3 are known, a change must exceed the 99% prediction interval of one more run's median from theirs; 0 turns this off)."
  )
  var history: Int = 10

  @Flag(name: .customLong("allow-different-machines"), help: "Compare runs of different machine keys.")
  var allowDifferentMachines = false

  @Flag(
    name: .customLong("allow-different-backends"),
    help: "Compare runs whose kernels ran on different backends (OpenBLAS, BLIS, oneDNN).")
  var allowDifferentBackends = false

  @OptionGroup var storeOptions: StoreOptions

  @Option(help: "Output format.")
  var format: ReportFormat = .markdown

  @Option(help: "Also write an SVG of the largest changes to this file.")
  var svg: String?

  func validate() throws {
    try Self.checkSignificance(threshold: threshold, alpha: alpha)
    guard (0...1000).contains(history) else {
      throw ValidationError("--history must be within 0…1000, got \(history)")
    }
  }

  func run() throws {
    try guarded {
      let svgFile = try svg.map { path throws(ResultsError) in try OutputFile(path) }
      let baseRun: (run: RunRecord, points: [PointRecord])
      do {
        baseRun = try Self.load(base, storeOptions)
      } catch StoreError.noBaseline(let machine) {
        printError("no baseline for machine \(machine) yet; set one with: lrd-bench baseline set [RUN]")
        throw ExitCode(5)
      } catch StoreError.unknownRun(let name, _) where ["baseline", "previous", "latest"].contains(name) {
        printError("no '\(name)' run to compare with yet (exit 5)")
        throw ExitCode(5)
      }
      let newRun = try Self.load(new, storeOptions)
      guard baseRun.run.id != newRun.run.id || baseRun.run.startedAt != newRun.run.startedAt else {
        throw StoreError.invalid(
          "\(base) and \(new) are the same run (#\(newRun.run.id)); compare two different runs")
      }
      if baseRun.run.machineKey != newRun.run.machineKey && !allowDifferentMachines {
        throw StoreError.invalid(
          "run #\(baseRun.run.id) is from machine \(baseRun.run.machineKey) and run #\(newRun.run.id) from "
            + "\(newRun.run.machineKey); timings of different machines are not comparable "
            + "(--allow-different-machines to compare anyway)")
      }
      let (baseBackend, newBackend) = (Self.backend(of: baseRun.run), Self.backend(of: newRun.run))
      if baseBackend != newBackend && !allowDifferentBackends {
        throw StoreError.invalid(
          "run #\(baseRun.run.id) ran its kernels on \(baseBackend.libraryName) and run #\(newRun.run.id) on "
            + "\(newBackend.libraryName); "
            + "a change of library is not a regression (--allow-different-backends to compare anyway)")
      }
      let comparison = RunComparison(
        base: baseRun, new: newRun,
        settings: ComparisonSettings(threshold: threshold, alpha: alpha, correction: correction.value),
        history: try earlierMedians(before: newRun.run, including: baseRun.run))
      guard !comparison.points.isEmpty else {
        throw StoreError.invalid("runs #\(baseRun.run.id) and #\(newRun.run.id) have no point in common")
      }
      try svgFile?.write(CompareReport.svg(comparison))
      emit(format == .json ? try CompareReport.json(comparison) : CompareReport.markdown(comparison))
      if comparison.exitCode != 0 { throw ExitCode(comparison.exitCode) }
    }
  }

  /// The medians by point of each of up to `history` complete runs of the same suite and machine
  /// before `new`; empty for exported files.
  func earlierMedians(before new: RunRecord, including base: RunRecord) throws -> [(
    commit: String, medians: [String: Double]
  )] {
    guard history > 0, !self.new.hasSuffix(".json") else { return [] }
    let store = try storeOptions.open(.read)
    let backend = Self.backend(of: new)
    let earlier = try store.runs(machine: new.machineKey).filter {
      $0.status == .complete && $0.suite == new.suite && $0.id < new.id && Self.backend(of: $0) == backend
    }.suffix(history)
    return try earlier.map { run in
      (
        run.commit,
        Dictionary(try store.points(of: run.id).map { ($0.name, $0.median) }, uniquingKeysWith: { a, _ in a })
      )
    }
  }

  /// The kernel backend a run measured on, from its stored fingerprint; OpenBLAS for runs stored before
  /// backends were recorded.
  static func backend(of run: RunRecord) -> GEMMBackend {
    /// The one fingerprint field this needs (decoding only it keeps older fingerprints readable).
    struct Backend: Decodable { var gemmBackend: String? }
    let fingerprint = try? JSONDecoder().decode(Backend.self, from: Data(run.fingerprint.utf8))
    return GEMMBackend(library: fingerprint?.gemmBackend) ?? .openblas
  }

  /// A run from the store (id, label, latest, previous, baseline) or from an exported JSON file.
  static func load(_ name: String, _ options: StoreOptions) throws -> (run: RunRecord, points: [PointRecord])
  {
    if name.hasSuffix(".json") {
      guard let data = FileManager.default.contents(atPath: name) else {
        throw StoreError.invalid(
          "\(name): no such file (give a run id, a label, or an export --format json file)")
      }
      do {
        let document = try JSONCoding.decoder.decode(RunExport.Document.self, from: data)
        return (document.run, document.points)
      } catch {
        throw StoreError.invalid(
          "\(name) is not an lrd-bench export (\(RunExport.Document.schemaVersion)): \(JSONCoding.problem(error))"
        )
      }
    }
    let store = try options.open(.read)
    let run = try store.resolve(name, machine: try options.machineKey())
    return (run, try store.points(of: run.id))
  }
}

extension CompareCommand {
  /// The checks of `--threshold` and `--alpha`, shared by every command that flags changes (compare, history).
  static func checkSignificance(threshold: Double, alpha: Double) throws {
    guard threshold >= 0, threshold < 1, threshold.isFinite else {
      throw ValidationError(
        "--threshold must be a fraction from 0 up to (not including) 1 (e.g. 0.03), got \(threshold)")
    }
    guard alpha > 0, alpha < 1 else {
      throw ValidationError("--alpha must lie strictly between 0 and 1 (e.g. 0.01), got \(alpha)")
    }
  }
}
