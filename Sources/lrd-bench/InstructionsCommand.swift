import ArgumentParser
import Harness
import Machine
import Suites

/// Counts one case's calls under callgrind (started by `ab --instructions`).
struct InstructionsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "instructions",
    abstract:
      "Build one 1-thread layer case of a suite and run its calls between callgrind's start/stop requests (run by ab --instructions under valgrind; not for users).",
    shouldDisplay: false)

  @Argument(help: "The suite: a YAML file or a name in suites/.")
  var suite: String

  @Option(name: .customLong("case"), help: "The case's name (<point>/t1).")
  var caseName: String

  @Option(help: "Calls counted.")
  var calls: Int = 1

  @Option(help: "Images per call.")
  var batch: Int = 1

  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backend: BackendOptions

  func run() throws {
    try guarded {
      try blasCore.establish()
      try backend.establish()
      let topology = try Topology()
      let parsed = try SuiteParser.load(RunCommand.suitePath(suite))
      guard
        let item = parsed.expanded(cores: topology.summary.coreCount).first(where: { $0.name == caseName })
      else {
        throw HarnessError.invalidRequest("no case '\(caseName)' in \(suite)")
      }
      guard (1...1000).contains(calls), (1...256).contains(batch) else {
        throw HarnessError.invalidRequest("--calls must be within 1…1000 and --batch within 1…256")
      }
      try InstructionProbe.run(item, topology: topology, calls: calls, batch: batch)
    }
  }
}
