import ArgumentParser
import Harness
import Profiling
import Reports

struct CountersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "counters",
    abstract:
      "Probe PAPI: components, which events can be counted here (or why not), and one sgemm measured with them.",
    discussion: """
      Counts cover every thread of the process (OpenBLAS workers included): PAPI event sets are
      attached to each thread; perf:: software events that PAPI cannot count (PAPI disables its
      perf_event component when the machine has no PMU) are read with perf_event_open per thread.
      Exit 0 whenever PAPI initialises, whatever the PMU offers.
      """)

  @Option(help: "Comma-separated events (default: the PAPI presets and perf:: software events below).")
  var events: String = CounterCheck.defaultEvents.joined(separator: ",")

  @Option(help: "Size n of the n×n×n sgemm that is measured.")
  var size: Int = 512

  @OptionGroup var blasCore: BLASCoreOptions

  @Option(help: "Output format: text or json.")
  var format: TextFormat = .text

  func run() throws {
    try guarded {
      try blasCore.establish()
      guard size >= 1 else { throw HarnessError.invalidOption("--size must be at least 1") }
      let list = events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
        !$0.isEmpty
      }
      let result = CounterCheck.run(events: list, size: size)
      emit(format == .json ? try CountersReport.json(result) : CountersReport.text(result))
      if result.papi == nil { throw ExitCode(1) }
    }
  }
}
