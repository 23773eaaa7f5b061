import ArgumentParser
import Foundation
import Harness
import Networks
import Programs
import Results
import Support
import Testing

@testable import lrd_bench

/// The sources of the package, path → text.
private let sources: [(path: String, text: String)] = {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "../../Sources")
  let paths = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
  return paths.filter { $0.hasSuffix(".swift") }.sorted().compactMap { path in
    (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)).map {
      ("Sources/" + path, $0)
    }
  }
}()

@Suite("Errors: one mapping to messages and exit codes")
struct FailureTests {
  @Test("every error type of the package is classified for the exit status")
  func everyErrorIsClassified() throws {
    #expect(sources.count > 100, "the sources were not found")
    let declaration = try Regex(
      #"(?m)^(?:package |public )?(?:enum|struct|final class|class) (\w+): ([^{]*)\{"#)
    var errors = 0
    for (path, text) in sources {
      for match in text.matches(of: declaration) {
        let conformances = match.output[2].substring.map(String.init) ?? ""
        let list = conformances.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard
          list.contains(where: { $0 == "Error" || $0.hasSuffix("Error") && $0 != "ClassifiedError" })
            || list.contains("ClassifiedError")
        else { continue }
        errors += 1
        #expect(
          list.contains("ClassifiedError"),
          "\(path): \(match.output[1].substring ?? "") is an Error but not a ClassifiedError; its exit status would be guessed"
        )
      }
    }
    #expect(errors >= 20)
  }

  @Test("no library names a command-line option; only argument vectors of child processes do")
  func librariesNameNoOption() throws {
    // Every option of every command, as --help lists them.
    var options = Set<String>()
    func collect(_ command: any ParsableCommand.Type) {
      for word in LRDBench.helpMessage(for: command).split(whereSeparator: \.isWhitespace)
      where word.hasPrefix("--") && word.count > 3 {
        options.insert(String(word.prefix { $0 == "-" || $0.isLetter }))
      }
      for sub in command.configuration.subcommands { collect(sub) }
    }
    collect(LRDBench.self)
    options.remove("--help")
    #expect(options.contains("--batch") && options.contains("--resume") && options.count > 50)
    // Files that build the argument vectors of child processes (git, swift build, valgrind, objcopy, and
    // lrd-bench's own hidden worker commands): those options are another program's interface.
    let childProcesses: Set = [
      "Sources/Machine/MachineFingerprint.swift", "Sources/Profiling/BLASCoreGate.swift",
      "Sources/Suites/AB/BaseBuild.swift", "Sources/Suites/AB/InstructionGate.swift",
    ]
    let literal = try Regex(#""(?:[^"\\\n]|\\.)*""#)
    for (path, text) in sources where !path.hasPrefix("Sources/lrd-bench/") && !childProcesses.contains(path)
    {
      for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let code = line.trimmingCharacters(in: .whitespaces)
        guard !code.hasPrefix("//") else { continue }
        for match in line.matches(of: literal) {
          let string = String(line[match.range])
          for option in options
          where string.contains(option + " ") || string.contains(option + "\"")
            || string.contains(option + ":") || string.contains(option + ")") || string.contains(option + "`")
          {
            Issue.record("\(path):\(number + 1) names \(option): \(string)")
          }
        }
      }
    }
  }

  @Test(
    "a setting's error names its option",
    arguments: [
      (
        HarnessError.setting(.batch, "must be at least 1, got 0") as any Error,
        "--batch must be at least 1, got 0"
      ),
      (
        ProgramError.setting(.frozen, ": factor 3 does not exist") as any Error,
        "--frozen: factor 3 does not exist"
      ),
      (
        InvalidSetting(.minSampleMilliseconds, "must be positive") as any Error,
        "--min-sample-ms must be positive"
      ),
      (
        HarnessError.insufficientMemory("x needs about 9 TiB", reduce: .batch) as any Error,
        "x needs about 9 TiB; use a smaller --batch"
      ),
      (
        ResultsError.emptyPath(.resume) as any Error,
        "--resume needs a directory path; an empty one is not accepted"
      ),
    ])
  func settingsAreNamedByTheirOption(error: any Error, message: String) {
    #expect(Failure.message(error) == message)
    #expect(Failure.exitCode(error) == 64)
  }

  @Test("every setting has its own option, and that option exists")
  func everySettingHasAnOption() {
    let help = DocumentationTests.file("docs/reference.md")
    let options = Setting.allCases.map(Failure.option)
    #expect(Set(options).count == Setting.allCases.count)
    for option in options { #expect(help.contains(option + " "), "\(option) is no option of any command") }
  }

  @Test("failures exit 1, bad input 64, foreign errors 1")
  func exitCodes() {
    #expect(Failure.exitCode(ResultsError.locked(path: "p", holder: "pid 1")) == 1)
    #expect(Failure.exitCode(ResultsError.notEmpty(path: "p")) == 64)
    #expect(Failure.exitCode(CatalogError.unknownModel("x")) == 64)
    #expect(Failure.exitCode(HarnessError.failed("x")) == 1)
    #expect(Failure.exitCode(CocoaError(.fileNoSuchFile)) == 1)
  }
}
