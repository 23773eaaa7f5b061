import ArgumentParser
import Harness
import Machine
import Profiling
import Reports
import Tensors

struct TopologyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "topology",
    abstract:
      "Show the machine as hwloc sees it (packages, cores, PUs, caches, NUMA), the CPU's SIMD level and the OpenBLAS core: its own choice, the core used and why, its self-check, and each candidate core's sgemm GFLOP/s.",
    discussion: """
      Each candidate core (the CPU's best cores, OpenBLAS's own choice and the generic Prescott core) is self-checked and timed on an N×N×N sgemm with 1 thread and all cores, each in its own child process (OpenBLAS fixes its core when it loads). --sgemm-size 0 skips those measurements.
      """)

  @OptionGroup var blasCore: BLASCoreOptions

  @Option(
    parsing: .unconditional,
    help: "Size N of the N×N×N sgemm timed for each candidate core; 0 skips the candidates.")
  var sgemmSize: Int = PeakSGEMM.defaultSize

  @Option(help: "Output format: text or json.")
  var format: TextFormat = .text

  func run() throws {
    try guarded {
      guard sgemmSize >= 0 else { throw HarnessError.invalidRequest("--sgemm-size must be ≥ 0") }
      // Three N×N matrices per child process: refuse what cannot fit before any child runs.
      try MemoryEstimate.check(
        MemoryEstimate.sgemm(size: sgemmSize),
        for: "--sgemm-size \(sgemmSize) (three \(sgemmSize)² matrices)",
        reduce: nil)
      let report = try blasCore.establish()
      let summary = try Topology().summary
      var candidates: [CoreCandidateResult] = []
      if sgemmSize > 0 && BLASCoreGate.canRunChildren {
        let cores = BLASCoreGate.benchmarkCores(cpu: .current, openBLASChoice: report.openBLASChoice)
        candidates = BLASCoreGate.benchmark(cores: cores, size: sgemmSize) { core in
          printError("timing sgemm \(sgemmSize)³ with core \(core) …")
        }
      }
      let document = TopologyReport.Document(
        topology: summary, openBLAS: .current, blasThreads: BLAS.threads, cpu: .current, blasCore: report,
        candidates: candidates)
      emit(format == .json ? try TopologyReport.json(document) : TopologyReport.text(document))
    }
  }
}
