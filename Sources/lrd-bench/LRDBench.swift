import ArgumentParser
import Foundation
import Machine
import Support

@main
struct LRDBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lrd-bench",
    abstract: "Benchmark and profile low-rank-decomposed (SVD / Tucker-2) ResNet layers on this CPU.",
    discussion: """
      Everything is measured here, on OpenBLAS kernels, with hwloc topology and PAPI counters. Start with:  lrd-bench sweep --layer layer4.2.conv2

      Exit status: 0 success; 1 a measurement or file operation failed; 64 bad arguments (unknown layer or model, rank out of range, …: the message names the valid values); 130 interrupted by Ctrl-C, SIGTERM or SIGHUP (what was measured is written).
      """,
    subcommands: [
      SweepCommand.self, RanksCommand.self, MergeCommand.self, SubmitCommand.self, BranchesCommand.self,
      TimeCommand.self,
      ModelCommand.self,
      TableCommand.self,
      KernelsCommand.self,
      RunCommand.self, ABCommand.self, CompareCommand.self, HistoryCommand.self, BaselineCommand.self,
      PublishCommand.self,
      StoreCommand.self,
      ExportCommand.self, ExportONNXCommand.self,
      LayersCommand.self, TopologyCommand.self, CountersCommand.self, SelfTestCommand.self,
      BLASCheckCommand.self,
      EstimatorStudyCommand.self, WorkerCommand.self, InstructionsCommand.self, ReferenceCommand.self,
    ])

  @Flag(help: "Print the version, git commit and build configuration.")
  var version = false

  func run() throws {
    guard version else { throw CleanExit.helpRequest(self) }
    emit(Self.versionText + "\n")
  }

  static let version = "0.3.0"

  /// "lrd-bench 0.3.0 (commit abc123…, release build, Swift 6.3.1)".
  static var versionText: String {
    "lrd-bench \(version) (commit \(GitInfo.commit()), \(MachineFingerprint.buildConfiguration) build, "
      + "Swift \(MachineFingerprint.swiftVersion))"
  }

  /// Names of the visible subcommands.
  static var commandNames: [String] {
    configuration.subcommands.filter { $0.configuration.shouldDisplay }.compactMap {
      $0.configuration.commandName
    }
  }

  /// Names of every subcommand, hidden ones (run by lrd-bench itself or for studies) included.
  static var allCommandNames: [String] {
    configuration.subcommands.compactMap { $0.configuration.commandName }
  }

  /// Catches what the parser would misreport before parsing: an unknown subcommand (suggesting the
  /// closest) and `help` with an unknown topic.
  static func preflight(_ arguments: [String]) -> String? {
    guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
    let known = allCommandNames + ["help"]
    if first == "help", arguments.count > 1, !known.contains(arguments[1]) {
      return
        "no help topic '\(ClosestNames.truncated(arguments[1]))'; commands: \(commandNames.joined(separator: ", "))"
    }
    if !known.contains(first) {
      let close = ClosestNames.to(first, in: commandNames, limit: 1)
      return "unknown command '\(ClosestNames.truncated(first))'"
        + (close.isEmpty ? "" : "; did you mean '\(close[0])'?")
        + " Commands: \(commandNames.joined(separator: ", "))"
    }
    return nil
  }

  static func main() {
    let arguments = Array(CommandLine.arguments.dropFirst())
    if let problem = preflight(arguments) {
      printError("error: \(problem)")
      Foundation.exit(64)
    }
    main(arguments)
  }
}
