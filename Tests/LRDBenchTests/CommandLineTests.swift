import ArgumentParser
import Foundation
import Testing

@testable import lrd_bench

/// Parses and runs a command line, returning the exit code it ends with (0 when it returns).
func exitCode(_ arguments: [String]) -> Int32 {
  do {
    var command = try LRDBench.parseAsRoot(arguments)
    try command.run()
    return 0
  } catch let exit as ExitCode {
    return exit.rawValue
  } catch {
    return LRDBench.exitCode(for: error).rawValue
  }
}

@Suite("Command line", .serialized)
struct CommandLineTests {
  @Test func sweepDefaults() throws {
    let command = try #require(
      try LRDBench.parseAsRoot(["sweep", "--layer", "layer4.2.conv2"]) as? SweepCommand)
    #expect(command.layer == "layer4.2.conv2")
    #expect(command.workload.batch == 8 && command.ratio == 2 && command.step == 1)
    #expect(command.policies.policy == "paper,robust" && command.workload.mode == "inference")
    #expect(command.threads.bind == "compact" && command.threads.threads == nil)
  }

  @Test(
    "bad input exits 64 with a message, before measuring",
    arguments: [
      ["sweep", "--layer", "layer4.2.cnv2"],
      ["sweep", "--layer", "layer4.2.conv2", "--from", "100", "--to", "200"],
      ["sweep", "--layer", "layer4.2.conv2", "--from", "9999"],
      ["sweep", "--layer", "layer4.2.conv2", "--ratio", "1"],
      ["sweep", "--layer", "layer4.2.conv2", "--threads", "99"],
      ["sweep", "--layer", "layer4.2.conv2", "--policy", "magic"],
      ["sweep"],
      ["time", "--layer", "layer4.2.conv2", "--factorization", "svd:3"],
      ["time", "--layer", "fc", "--factorization", "svd:0"],
      ["time", "--layer", "layer4.2.conv2", "--factorization", "branched:30,31,2"],
      ["time", "--layer", "fc", "--mode", "sideways"],
      ["layers", "--model", "resnet18"],
      ["layers", "--filter", "^nothing-matches$"],
      ["branches", "--layer", "fc"],
      ["kernels", "--batch", "0"],
    ])
  func badInput(arguments: [String]) {
    #expect(exitCode(arguments) == 64, "\(arguments)")
  }

  @Test func malformedOptionsAreUsageErrors() {
    #expect(throws: (any Error).self) {
      try LRDBench.parseAsRoot(["sweep", "--layer", "fc", "--batch", "many"])
    }
    #expect(throws: (any Error).self) { try LRDBench.parseAsRoot(["no-such-command"]) }
  }

  @Test func unwritableOutputFailsBeforeMeasuring() {
    #expect(exitCode(["sweep", "--layer", "fc", "--out", "/proc/lrd-bench-no"]) == 1)
  }

  @Test func helpDocumentsExitCodesAndCommands() {
    // Help text is wrapped to the terminal width; compare with whitespace collapsed.
    let help = LRDBench.helpMessage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(help.contains("64 bad arguments") && help.contains("130 interrupted"))
    for command in ["sweep", "ranks", "branches", "time", "kernels", "layers", "topology", "counters"] {
      #expect(help.contains(command))
    }
  }

  @Test func inspectionCommandsSucceed() {
    #expect(exitCode(["layers", "--filter", "fc", "--format", "csv"]) == 0)
    #expect(exitCode(["topology", "--format", "json"]) == 0)
    #expect(exitCode(["counters", "--size", "64"]) == 0)
  }
}

@Suite("README stays true to --help")
struct ReadmeTests {
  static let readme: String = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
      "../../README.md")
    return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
  }()

  @Test(
    "every option of every command is documented",
    arguments: [
      SweepCommand.self, RanksCommand.self, BranchesCommand.self, TimeCommand.self, KernelsCommand.self,
      LayersCommand.self, TopologyCommand.self, CountersCommand.self,
    ] as [any ParsableCommand.Type])
  func optionsAreDocumented(command: any ParsableCommand.Type) throws {
    let name = try #require(command.configuration.commandName)
    let help = LRDBench.helpMessage(for: command)
    let options = help.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("--") && $0 != "--help" }
      .map { String($0.prefix { $0 == "-" || $0.isLetter }) }
    #expect(!options.isEmpty && !Self.readme.isEmpty)
    #expect(Self.readme.contains("`\(name)"), "README has no section for \(name)")
    for option in Set(options) {
      #expect(Self.readme.contains(option), "README does not mention \(name) \(option)")
    }
  }

  @Test func quickStartHasTheTwoCommands() {
    #expect(Self.readme.contains("scripts/lrd-bench sweep --layer layer4.2.conv2"))
    #expect(Self.readme.contains("scripts/test"))
  }
}
