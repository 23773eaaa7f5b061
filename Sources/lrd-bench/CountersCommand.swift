import ArgumentParser
import Harness
import Machine
import Reports

struct CountersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "counters",
    abstract:
      "Probe PAPI: components, which events can be counted here (or why not), and one sgemm measured with them.",
    discussion: """
      Counts cover every thread of the process (OpenBLAS workers included): PAPI event sets are attached to each thread; perf:: software events that PAPI cannot count (PAPI disables its perf_event component when the machine has no PMU) are read with perf_event_open per thread. Exit 0 whenever PAPI initialises, whatever the PMU offers; an unknown event name is an error (64) with the closest known names.

      Default events: PAPI_TOT_CYC,PAPI_TOT_INS,PAPI_L1_DCM,PAPI_L2_DCM,PAPI_L3_TCM,PAPI_SP_OPS,PAPI_VEC_SP,perf::TASK-CLOCK,perf::PAGE-FAULTS,perf::CONTEXT-SWITCHES; none for none.
      """)

  @Option(help: "Comma-separated events (default: see above); none for none.")
  var events: String?

  @Option(parsing: .unconditional, help: "Size n of the n×n×n sgemm that is measured.")
  var size: Int = 512

  @OptionGroup var blasCore: BLASCoreOptions

  @Option(help: "Output format.")
  var format: TextFormat = .text

  func run() throws {
    try guarded {
      guard size >= 1 else { throw HarnessError.invalidRequest("--size must be at least 1, got \(size)") }
      let list = events.map { EventNames.parse($0) } ?? DefaultEvents.inspection
      try EventNames.validate(list)
      try MemoryEstimate.check(
        MemoryEstimate.sgemm(size: size), for: "an \(size)×\(size)×\(size) sgemm",
        reduce: .size)
      try blasCore.establish()
      let result = try CounterCheck.run(events: list, size: size)
      emit(format == .json ? try CountersReport.json(result) : CountersReport.text(result))
      if result.papi == nil { throw ExitCode(1) }
    }
  }
}
