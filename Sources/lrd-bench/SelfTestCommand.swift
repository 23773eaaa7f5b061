import ArgumentParser
import Foundation
import Harness
import Machine
import Profiling
import Reports
import Results

struct SelfTestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "selftest",
    abstract:
      "Check the timing machinery on this machine now: clock, sample length, counter coverage, A/A false positives, injected slowdowns.",
    discussion: """
      These checks depend on the machine and its load, so they are reported here instead of asserted in unit tests. The paired checks measure ResNet-50's layer4.2.conv2 (batch 1, all cores): --pairs A/A measurements of the program against itself (the share whose 95% CI excludes 1 should be near 5%), and --tries measurements each with 3% and 5% of its time added to B as a busy-wait (the share detected as slower). Each paired measurement runs up to --budget seconds.

      The phases benchmark (--phases seconds) runs layer1.0.conv2 at batch 8 on every core on each installed library in turns, in short windows, and reports for each library the share of windows within ±15% of its median and the phases beyond it: a phase of the machine that slows one library's threading and not another's shows here in one run.
      """)

  @Option(help: "A/A paired measurements.")
  var pairs: Int = 40

  @Option(help: "Measurements per injected slowdown.")
  var tries: Int = 20

  @Option(parsing: .unconditional, help: "Seconds per paired measurement.")
  var budget: Double = 0.2

  @Option(
    parsing: .unconditional, help: "Minimum sample length in milliseconds for the paired checks.")
  var minSampleMs: Double = 1

  @Option(
    parsing: .unconditional,
    help:
      "Seconds of the phases benchmark (0 skips it): layer1.0.conv2 at batch 8 on every core, on each installed library in turns (OpenBLAS on lrd-bench's pool and on its own threads), in 0.25 s windows; reports each library's windows beyond ±15% of its median."
  )
  var phases: Double = 60

  @Option(help: "Also write every paired measurement's raw samples to this JSON file (for estimator-study).")
  var record: String?

  @OptionGroup var blasCore: BLASCoreOptions

  @Option(help: "Output format.")
  var format: TextFormat = .text

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  func run() throws {
    try guarded {
      guard pairs >= 0, tries >= 0, pairs <= 10_000, tries <= 10_000 else {
        throw HarnessError.invalidRequest("--pairs and --tries must be between 0 and 10000")
      }
      try SamplerConfiguration.checkBudget(budget, setting: .budget)
      guard phases.isFinite, (0...3600).contains(phases) else {
        throw HarnessError.invalidRequest("--phases must be between 0 and 3600 seconds, got \(phases)")
      }
      let recordFile = try record.map { path throws(ResultsError) in try OutputFile(path) }
      let topology = try Topology()
      try blasCore.establish()
      Interruption.install()
      let bar = ProgressBar(quiet: quiet)
      let result = try SelfTest.run(
        topology: topology, pairs: pairs, injectionTries: tries, budget: budget,
        minimumSampleSeconds: minSampleMs / 1000, phasesSeconds: phases, events: bar.sink)
      bar.finish()
      if let recordFile {
        try recordFile.write(try JSONCoding.encoder.encode(result.recorded))
        printError("raw samples: \(recordFile.path)")
      }
      emit(format == .json ? try SelfTestReport.json(result) : SelfTestReport.text(result))
      if Interruption.isRequested { throw ExitCode(130) }
    }
  }
}
