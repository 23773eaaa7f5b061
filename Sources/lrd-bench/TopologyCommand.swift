import ArgumentParser
import Profiling
import Reports

struct TopologyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "topology",
    abstract:
      "Show the machine as hwloc sees it (packages, cores, PUs, caches, NUMA) and OpenBLAS's configuration.")

  @Option(help: "Output format: text or json.")
  var format: TextFormat = .text

  func run() throws {
    try guarded {
      let summary = try Topology().summary
      emit(format == .json ? try TopologyReport.json(summary) : TopologyReport.text(summary))
    }
  }
}
