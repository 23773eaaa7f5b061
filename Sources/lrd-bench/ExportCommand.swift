import ArgumentParser
import Foundation
import Reports
import Store

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a stored run as Google Benchmark JSON, Bencher Metric Format or lrd-bench JSON.",
    discussion: """
      gbench: Google Benchmark's JSON (context + benchmarks[], one iteration row per sample and median/mean/stddev/cv aggregate rows; names like resnet50/layer4.2.conv2/tucker2:309,309/b8/t2/inference; cpu_time repeats real_time, as lrd-bench times wall-clock). bmf: Bencher Metric Format (latency in ns with the median's 95% CI as lower/upper values, throughput in calls/s). json: the run and every point with all samples (compare reads these files).
      """)

  @Argument(help: ArgumentHelp("A run id, label, latest, previous or baseline.", valueName: "run"))
  var target: String

  @Option(help: "gbench, bmf or json.")
  var format: Choice<RunExport.Format>

  @Option(help: "Write to this file (atomically) instead of stdout.")
  var out: String?

  @OptionGroup var storeOptions: StoreOptions

  func run() throws {
    try guarded {
      let store = try storeOptions.open()
      let record = try store.resolve(target, machine: try storeOptions.machineKey())
      let text = try RunExport.render(format.value, run: record, points: try store.points(of: record.id))
      if let out {
        try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        printError("wrote \(out)")
      } else {
        emit(text)
      }
    }
  }
}
