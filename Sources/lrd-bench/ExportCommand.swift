import ArgumentParser
import Foundation
import Reports
import Results
import Suites

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract:
      "Write a stored run or A/B run as Google Benchmark JSON, Bencher Metric Format or lrd-bench JSON.",
    discussion: """
      gbench: Google Benchmark's JSON (context + benchmarks[], one iteration row per sample and median/mean/stddev/cv aggregate rows; names like resnet50/layer4.2.conv2/tucker2:309,309/b8/t2/inference; cpu_time repeats real_time, as lrd-bench times wall-clock). bmf: Bencher Metric Format (latency in ns with the median's 95% CI as lower/upper values, throughput in calls/s). json: the run and every point with all samples (compare reads these files).

      An A/B run (ab#ID, or ab#latest) exports both builds: json has the comparison over rounds and every measurement (build, round, samples); gbench has <point>/base and <point>/new with one iteration row per round (that round's median); bmf has latency_base, latency_new and the ratio with its CI per point.
      """)

  @Argument(
    help: ArgumentHelp(
      "A run id, label, latest, previous or baseline; or an A/B run as ab#ID or ab#latest.", valueName: "run")
  )
  var target: String

  @Option(help: "gbench, bmf or json.")
  var format: Choice<RunExport.Format>

  @Option(
    help:
      "Write to this file instead of stdout (a regular file is replaced atomically; a device, FIFO or - is written as a stream)."
  )
  var out: String?

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    try guarded {
      let output = try out.map { path throws(ResultsError) in try OutputFile(path) }
      let store = try storeOptions.open(.read)
      if target.lowercased().hasPrefix("ab#") {
        let run = try store.resolveAB(String(target.dropFirst(3)))
        let measurements = try store.abMeasurements(of: run.id)
        var result = try ABRunner.compare(run: run, measurements: measurements)
        result.store = store.path
        return try write(
          try ABExport.render(format.value, result: result, measurements: measurements), to: output)
      }
      let record = try store.resolve(target, machine: try storeOptions.machineKey())
      try write(
        try RunExport.render(format.value, run: record, points: try store.points(of: record.id)), to: output)
    }
  }

  func write(_ text: String, to output: OutputFile?) throws {
    if let output {
      try output.write(text)
      if output.kind == .atomic { printError("wrote \(output.path)") }
    } else {
      emit(text)
    }
  }
}
