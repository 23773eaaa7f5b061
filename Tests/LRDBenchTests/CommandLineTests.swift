import ArgumentParser
import Foundation
import Harness
import Machine
import Programs
import Results
import Tensors
import Testing

@testable import lrd_bench

/// Parses and runs a command line in this process, returning the exit code it ends with.
///
/// The process's kernel backend is restored afterwards (`--backend` switches the whole process, and later
/// tests in this process must not inherit it).
func exitCode(_ arguments: [String]) -> Int32 {
  let backend = BLAS.backend
  defer { try? BLAS.use(backend) }
  if LRDBench.preflight(arguments) != nil { return 64 }
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

/// The lrd-bench executable `swift build --build-tests` put next to the tests.
let executable = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("../../.build/debug/lrd-bench").standardized.path

/// Runs the executable with `environment` added; sends `signal` once stderr contains `marker` when given;
/// writes stdout to `stdout` when given.
///
/// Returns status and stderr.
func runTool(
  _ arguments: [String], signal: Int32? = nil, whenStderrContains marker: String = "", stdout: String? = nil,
  environment: [String: String] = [:]
) throws -> (status: Int32, stderr: String) {
  // The test target depends on the executable, so `swift build --build-tests` always builds it: a missing
  // binary is a failure, never a skip.
  guard FileManager.default.isExecutableFile(atPath: executable) else {
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: executable])
  }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  let errors = Pipe()
  process.standardError = errors
  if let stdout {
    _ = FileManager.default.createFile(atPath: stdout, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
  } else {
    process.standardOutput = FileHandle.nullDevice
  }
  try process.run()
  var data = Data()
  if let signal {
    // Signal once the process has printed `marker` (so its handlers are installed), whatever the load.
    let reader = errors.fileHandleForReading
    while !String(decoding: data, as: UTF8.self).contains(marker) {
      let chunk = reader.availableData
      if chunk.isEmpty { break }
      data += chunk
    }
    kill(process.processIdentifier, signal)
  }
  data += errors.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

func temporaryPath(_ name: String) -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent("lrd-bench-cli-\(name)-\(UUID().uuidString)")
    .path
}

@Suite("Command line", .serialized)
struct CommandLineTests {
  @Test func sweepDefaultsAreUnsetUntilResolved() throws {
    let command = try #require(
      try LRDBench.parseAsRoot(["sweep", "--layer", "layer4.2.conv2"]) as? SweepCommand)
    #expect(command.layer == "layer4.2.conv2" && command.given == ["--layer"])
    #expect(try command.workload.resolve() == (8, .inference))
    #expect(
      command.ratio.ratio == nil && command.threads.binding == .compact && command.model.resolved == .resnet50
    )
  }

  @Test(
    "bad input exits 64 before anything is measured or written",
    arguments: [
      ["sweep", "--layer", "layer4.2.cnv2"],
      ["sweep", "--layer", "layer4.2.conv2", "--from", "100", "--to", "200"],
      ["sweep", "--layer", "layer4.2.conv2", "--from", "9999"],
      ["sweep", "--layer", "layer4.2.conv2", "--from", "-5"],
      ["sweep", "--layer", "fc", "--ratio", "1e300"],
      ["sweep", "--layer", "fc", "--threads", "1,1"],
      ["table", "--models", "resnet50,resnet50"],
      ["sweep", "--layer", "layer4.2.conv2", "--ratio", "1"],
      ["sweep", "--layer", "layer4.2.conv2", "--ratio", "inf"],
      ["sweep", "--layer", "layer4.2.conv2", "--threads", "99"],
      ["sweep", "--layer", "layer4.2.conv2", "--threads", "1-9223372036854775807"],
      ["sweep", "--layer", "layer4.2.conv2", "--policy", "magic"],
      ["sweep", "--layer", "layer4.2.conv2", "--batch", "100000000"],
      ["sweep", "--layer", "layer4.2.conv2", "--confirm-budget", "inf"],
      ["sweep", "--layer", "layer4.2.conv2", "--budget", "1e300"],
      ["sweep", "--layer", "layer4.2.conv2", "--step", "0"],
      ["sweep", "--layer", "layer4.2.conv2", "--events", "bogus"],
      ["sweep", "--layer", "layer4.2.conv2", "--out", ""],
      ["sweep", "--resume", ""],
      ["sweep", "--resume", "/nonexistent/lrd-bench-run"],
      ["sweep", "--resume", "/tmp", "--batch", "2"],
      ["sweep", "--layer", "layer4.2.conv2", "--frozen", "7,9", "--mode", "training"],
      ["sweep"],
      ["swep", "--layer", "layer4.2.conv2"],
      ["help", "bogus"],
      ["time", "--layer", "layer4.2.conv2", "--factorization", "svd:3"],
      ["time", "--layer", "fc", "--factorization", "svd:0"],
      ["time", "--layer", "layer4.2.conv2", "--factorization", "branched:30,31,2"],
      ["time", "--layer", "layer4.2.conv2", "--factorization", "branched:10,10,0"],
      ["time", "--layer", "layer4.2.conv2", "--threads", "1,2"],
      ["time", "--layer", "fc", "--mode", "sideways"],
      ["layers", "--model", "resnet18"],
      ["layers", "--filter", "^nothing-matches$"],
      ["branches", "--layer", "fc"],
      ["branches", "--layer", "layer4.2.conv2", "--branches", "0"],
      ["kernels", "--batch", "0"],
      ["counters", "--size", "10000000"],
      ["topology", "--sgemm-size", "99999999"],
      ["branches", "--layer", "layer4.2.conv2", "--branches", "1,1,1"],
      ["table", "--branches", "2,4,2"],
      ["sweep", "--layer", "fc", "--from", "10", "--to", "9", "--step", "9223372036854775807"],
      ["ranks", "--step", "9223372036854775807"],
      ["model", "--variant", "original+lrd"],
      ["counters", "--events", "bogus"],
      ["topology", "--blas-core", "Pentium4000"],
      ["model", "--variant", "bogus"],
      ["model", "--variant", "frozen+merged"],
      ["model", "--variant", "original+merged"],
      ["model", "--variant", "optimized:/nonexistent/ranks"],
      ["model", "--variant", "branched:4096"],
      ["model", "--model", "resnet18"],
      ["model", "--batch", "100000000"],
      ["model", "--threads", "99"],
      ["model", "--profile-steps", "0"],
      ["model", "--cache", "cold"],
      ["model", "--backend", "fastest"],
      ["model", "--backend", "best:/nonexistent/kernels.json"],
      ["table", "--backend", "best:/nonexistent/ranks"],
      ["table", "--models", "resnet18"],
      ["table", "--techniques", "speedy"],
      ["table", "--ranks-from", "/nonexistent/ranks"],
      ["table", "--branches", "0"],
      ["table", "--branches", "4096"],
      ["table", "--batch", "100000000"],
      ["table", "--threads", "99"],
      ["table", "--resume", "/tmp", "--models", "resnet50"],
    ])
  func badInput(arguments: [String]) {
    #expect(exitCode(arguments) == 64, "\(arguments)")
  }

  @Test func nothingIsCreatedBeforeArgumentsAreValid() {
    let base = temporaryPath("nothing")
    defer { try? FileManager.default.removeItem(atPath: base) }
    for arguments in [
      ["branches", "--layer", "fc", "--out", base + "/a"],
      ["branches", "--layer", "layer4.2.conv2", "--branches", "0", "--out", base + "/b"],
      ["sweep", "--layer", "layer1.0.conv1", "--frozen", "7,9", "--mode", "training", "--out", base + "/c"],
      ["sweep", "--layer", "layer1.0.conv1", "--batch", "100000000", "--out", base + "/d"],
      ["ranks", "--filter", "^nothing$", "--out", base + "/e"],
      ["table", "--techniques", "speedy", "--out", base + "/f"],
      ["table", "--models", "resnet50", "--batch", "100000000", "--out", base + "/g"],
      ["table", "--ranks-from", base + "/nothing-here", "--out", base + "/h"],
    ] {
      #expect(exitCode(arguments) == 64, "\(arguments)")
    }
    #expect(!FileManager.default.fileExists(atPath: base), "a directory was created for invalid options")
  }

  @Test("ranks that miss a layer are refused before the table's directory exists")
  func partialRanksAreRefusedBeforeAnythingIsCreated() throws {
    let base = temporaryPath("partial-ranks")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let ranks = base + "/ranks"
    try FileManager.default.createDirectory(atPath: ranks, withIntermediateDirectories: true)
    // A measured ranks result (the reports' fixture) without its fc row, as a `--filter ^layer4` run has.
    let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../ReportsTests/Fixtures/ranks.json")
    var result = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])
    result["rows"] = (result["rows"] as? [[String: Any]] ?? []).filter { $0["layer"] as? String != "fc" }
    try JSONSerialization.data(withJSONObject: result).write(to: URL(fileURLWithPath: ranks + "/ranks.json"))
    let refused = try runTool(
      [
        "table", "--ranks-from", ranks, "--techniques", "optimized", "--policy", "robust", "--out",
        base + "/table",
      ])
    #expect(refused.status == 64 && refused.stderr.contains("has no rank for fc"), "\(refused)")
    #expect(!FileManager.default.fileExists(atPath: base + "/table"), "the table directory was created")
  }

  @Test func optimizedRanksMustComeFromAFinishedRanksRun() throws {
    let path = temporaryPath("fake-ranks")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    // An empty directory, then one whose ranks.json is not a ranks result: both refused, naming why.
    #expect(throws: HarnessError.self) { try OptimizedRanks.load(path, model: .resnet50, policy: .robust) }
    try "{\"schema\": \"something else\"}".write(
      toFile: path + "/ranks.json", atomically: true, encoding: .utf8)
    #expect {
      try OptimizedRanks.load(path, model: .resnet50, policy: .robust)
    } throws: { error in
      "\(error)".contains("not a readable ranks result")
    }
    #expect(exitCode(["model", "--variant", "optimized:" + path]) == 64)
    #expect(exitCode(["table", "--ranks-from", path]) == 64)
    // A sweep's directory is named as what it is, not advised to be resumed as a ranks run.
    let sweep = path + "/sweep"
    let (plan, _) = try parsePlan(["sweep", "--layer", "layer1.0.conv1"])
    _ = try RunDirectory.create(at: sweep, kind: "sweep", name: "x", planFile: "plan.json", plan: plan)
    #expect {
      try OptimizedRanks.load(sweep, model: .resnet50, policy: .robust)
    } throws: { error in
      "\(error)".contains("holds a sweep run, not a ranks study") && !"\(error)".contains("resume")
    }
  }

  @Test func aRunDirectoryIsNeverReusedForAnotherPlan() throws {
    let path = temporaryPath("reuse")
    defer { try? FileManager.default.removeItem(atPath: path) }
    // A run directory holding a sweep of layer4.2.conv2 at batch 8.
    let (plan, _) = try parsePlan(["sweep", "--layer", "layer4.2.conv2"])
    _ = try RunDirectory.create(at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: plan)
    let manifest = try Data(contentsOf: URL(fileURLWithPath: path + "/run.json"))
    // Another layer at another batch into the same --out: refused before anything is measured.
    #expect(exitCode(["sweep", "--layer", "layer3.1.conv2", "--batch", "1", "--out", path]) == 64)
    // The same plan again: refused too, pointing at --resume.
    #expect(exitCode(["sweep", "--layer", "layer4.2.conv2", "--out", path]) == 64)
    // A ranks command resuming a sweep directory is told what the directory holds.
    #expect(exitCode(["ranks", "--resume", path]) == 64)
    #expect(try Data(contentsOf: URL(fileURLWithPath: path + "/run.json")) == manifest)
  }

  @Test func aResumedPlanIsValidatedBeforeMeasuring() throws {
    let path = temporaryPath("step0")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (plan, _) = try parsePlan(["sweep", "--layer", "layer1.0.conv1"])
    _ = try RunDirectory.create(at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: plan)
    let planURL = URL(fileURLWithPath: path + "/plan.json")
    let edited = try String(contentsOf: planURL, encoding: .utf8).replacingOccurrences(
      of: "\"step\" : 1", with: "\"step\" : 0")
    try edited.write(to: planURL, atomically: true, encoding: .utf8)
    #expect(exitCode(["sweep", "--resume", path]) == 64)
  }

  @Test(
    "CPU utilisation never exceeds the threads measuring, by the CPU clock or by the task clock",
    arguments: [1, 2])
  func utilisationStaysWithinTheThreads(threads: Int) throws {
    let cores = try Topology().summary.coreCount
    let output = temporaryPath("utilisation") + ".json"
    defer { try? FileManager.default.removeItem(atPath: output) }
    let outcome = try runTool(
      [
        "time", "--layer", "layer1.0.conv1", "--threads", "\(min(threads, cores))", "--batch", "1",
        "--budget",
        "0.3", "--format", "json",
      ], stdout: output)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let data = try Data(contentsOf: URL(fileURLWithPath: output))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let measurement = try #require((json["point"] as? [String: Any])?["measurement"] as? [String: Any])
    let usage = try #require(measurement["usage"] as? [String: Any])
    let calls =
      Double((measurement["samples"] as? [Any])?.count ?? 0) * (measurement["callsPerSample"] as? Double ?? 0)
    let cpu =
      (usage["cpuSecondsPerCall"] as? Double ?? .nan) * calls
      / (measurement["timedSeconds"] as? Double ?? .nan)
    let limit = Double(min(threads, cores)) * 1.01
    #expect(cpu <= limit, "CPU clock ÷ timed wall: \(cpu)")
    for metric in json["derived"] as? [[String: Any]] ?? []
    where metric["name"] as? String == "CPU utilisation" {
      #expect(metric["value"] as? Double ?? .nan <= limit, "task clock ÷ its windows: \(metric)")
    }
  }

  @Test(
    "file problems are told in words with exit 64, never as a Foundation error dump, and before any work",
    arguments: [
      ["selftest", "--record", "/proc/version", "--phases", "0"],
      ["selftest", "--record", "DIR", "--phases", "0"],
      ["selftest", "--record", "DIR/missing/raw.json", "--phases", "0"],
      ["estimator-study", "DIR/missing.json"],
      ["sweep", "--resume", "DIR/run"],
      ["model", "--backend", "best:DIR/missing.json"],
      ["sweep", "--layer", "fc", "--out", "DIR/run/run.json/sub"],
    ])
  func fileProblemsInWords(arguments: [String]) throws {
    let directory = temporaryPath("words")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // A sweep directory whose plan file was deleted.
    let (plan, _) = try parsePlan(["sweep", "--layer", "layer1.0.conv1"])
    _ = try RunDirectory.create(
      at: directory + "/run", kind: "sweep", name: "x", planFile: "plan.json", plan: plan)
    try FileManager.default.removeItem(atPath: directory + "/run/plan.json")
    let resolved = arguments.map { $0.replacingOccurrences(of: "DIR", with: directory) }
    let outcome = try runTool(resolved)
    #expect(outcome.status == 64, "\(resolved): \(outcome.stderr)")
    #expect(
      !outcome.stderr.contains("Error Domain") && !outcome.stderr.contains("NSCocoa"), "\(outcome.stderr)")
    #expect(
      !outcome.stderr.contains("sample length"), "measured before checking its output: \(outcome.stderr)")
    #expect(!outcome.stderr.contains("Permission denied"), "\(outcome.stderr)")
  }

  @Test("ranks shards merge into the unsharded study's table; a missing, repeated or foreign shard is named")
  func ranksShardsMerge() throws {
    let base = temporaryPath("shards")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let study = [
      "ranks", "--filter", "^layer1\\.0\\.conv[123]$", "--threads", "1", "--batch", "1", "--budget", "0.01",
      "--confirm-budget", "0", "--step", "4", "--passes", "1", "--quiet", "--no-backend-check",
    ]
    func layers(_ directory: String) throws -> [String] { try resultUnits(directory + "/ranks.json") }
    #expect(exitCode(study + ["--out", base + "/whole"]) == 0)
    var measured: [String] = []
    for index in 1...3 {
      #expect(exitCode(study + ["--shard", "\(index)/3", "--out", base + "/s\(index)"]) == 0)
      measured += try layers(base + "/s\(index)")
    }
    #expect(measured.sorted() == (try layers(base + "/whole")).sorted(), "the shards partition the study")
    #expect(exitCode(["merge", base + "/s3", base + "/s1", base + "/s2", "--out", base + "/merged"]) == 0)
    #expect(
      try layers(base + "/merged") == (try layers(base + "/whole")), "every layer once, in catalog order")
    let missing = try runTool(["merge", base + "/s1", base + "/s3", "--out", base + "/m2"])
    #expect(missing.status == 64 && missing.stderr.contains("shard 2/3 of 3 missing"), "\(missing.stderr)")
    let twice = try runTool([
      "merge", base + "/s1", base + "/s1", base + "/s2", base + "/s3", "--out", base + "/m3",
    ])
    #expect(twice.status == 64 && twice.stderr.contains("1/3 given more than once"), "\(twice.stderr)")
    #expect(exitCode(study.map { $0 == "4" ? "5" : $0 } + ["--shard", "2/3", "--out", base + "/other"]) == 0)
    let foreign = try runTool(["merge", base + "/s1", base + "/other", base + "/s3", "--out", base + "/m4"])
    #expect(foreign.status == 64 && foreign.stderr.contains("different study"), "\(foreign.stderr)")
    #expect(!FileManager.default.fileExists(atPath: base + "/m2"), "a refused merge creates nothing")
  }

  @Test func anEditedPlanIsNotResumed() throws {
    let path = temporaryPath("edited-batch")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let (plan, _) = try parsePlan(["sweep", "--layer", "layer1.0.conv1", "--batch", "1"])
    _ = try RunDirectory.create(at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: plan)
    let planURL = URL(fileURLWithPath: path + "/plan.json")
    let edited = try String(contentsOf: planURL, encoding: .utf8).replacingOccurrences(
      of: "\"batch\" : 1", with: "\"batch\" : 2")
    try edited.write(to: planURL, atomically: true, encoding: .utf8)
    let refused = try runTool(["sweep", "--resume", path])
    #expect(refused.status == 64 && refused.stderr.contains("batch: 1 → 2"), "\(refused)")
  }

  @Test func helpIsHonest() {
    let sweepHelp = LRDBench.helpMessage(for: SweepCommand.self)
    #expect(
      sweepHelp.contains("lrd-bench sweep --layer <layer>"), "the usage line shows that --layer is required")
    #expect(sweepHelp.contains("--budget 0.5 s per point") && sweepHelp.contains("--confirm-budget 1 s"))
    #expect(LRDBench.helpMessage(for: RanksCommand.self).contains("--budget 0.25 s per point"))
    #expect(LRDBench.helpMessage(for: TimeCommand.self).contains("--budget 2 s"))
    let help = LRDBench.helpMessage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(help.contains("64 bad arguments") && help.contains("130 interrupted"))
    for command in LRDBench.commandNames { #expect(help.contains(command)) }
    // An option's default is stated once: never a default in the text and another from the parser.
    for command in LRDBench.configuration.subcommands {
      let text = LRDBench.helpMessage(for: command).split(whereSeparator: \.isWhitespace).joined(
        separator: " ")
      #expect(
        text.firstMatch(of: /default [^():]+\)\.? \(default:/) == nil,
        "\(command.configuration.commandName ?? "?") states a default twice")
    }
    // Paragraphs are single lines (the parser wraps them to the terminal), never hard-wrapped.
    for command in LRDBench.configuration.subcommands {
      for paragraph in command.configuration.discussion.components(separatedBy: "\n\n") {
        #expect(!paragraph.contains("\n"), "\(command.configuration.commandName ?? ""): hard line break")
      }
    }
    #expect(LRDBench.preflight(["swep", "--layer", "x"])?.contains("did you mean 'sweep'") == true)
    #expect(LRDBench.versionText.hasPrefix("lrd-bench \(LRDBench.version) (commit "))
    #expect(exitCode(["--version"]) == 0)
  }

  @Test("layers, topology and counters print what they describe")
  func inspectionCommandsSucceed() throws {
    let out = temporaryPath("inspect")
    defer { try? FileManager.default.removeItem(atPath: out) }
    let layers = try runTool(["layers", "--filter", "fc", "--format", "csv"], stdout: out)
    #expect(layers.status == 0, "\(layers.stderr)")
    let csv = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
    #expect(csv.count == 2 && csv[1].hasPrefix("fc,linear,classifier,2048,1000,"), "\(csv)")
    #expect(
      csv.last?.hasSuffix(",2049000,2048000") == true, "fc: 2048·1000 + 1000 parameters, 2048·1000 MACs")
    let topology = try runTool(["topology", "--format", "json", "--sgemm-size", "0"], stdout: out)
    #expect(topology.status == 0, "\(topology.stderr)")
    let json =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
    let machine = json?["topology"] as? [String: Any]
    #expect(
      (machine?["processingUnits"] as? [Int])?.isEmpty == false
        && (machine?["cores"] as? [Any])?.isEmpty == false)
    #expect((json?["blasCore"] as? [String: Any])?["coreUsed"] is String)
    let counters = try runTool(["counters", "--size", "64", "--events", "none"], stdout: out)
    #expect(counters.status == 0, "\(counters.stderr)")
    let text = try String(contentsOfFile: out, encoding: .utf8)
    #expect(text.contains("PAPI") && text.contains("sgemm 64×64×64") && text.contains("GFLOP/s"), "\(text)")
  }

  @Test(
    "SIGTERM and SIGHUP stop a run like Ctrl-C: reports written, exit 130",
    arguments: [SIGTERM, SIGHUP])
  func signalsStopARunCleanly(signal: Int32) throws {
    let path = temporaryPath("signal")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let outcome = try runTool(
      [
        "sweep", "--layer", "layer1.0.conv1", "--batch", "1", "--from", "60", "--to", "8", "--threads", "1",
        "--budget", "0.3", "--confirm-budget", "0", "--out", path,
      ],
      signal: signal, whenStderrContains: "[1/")
    #expect(outcome.status == 130, "\(outcome.stderr)")
    #expect(outcome.stderr.contains("--resume \(path)"))
    let summary = try String(contentsOfFile: path + "/sweep.md", encoding: .utf8)
    #expect(summary.contains("**Interrupted**"))
  }

  @Test(
    "sweep --backend all sweeps each backend in its own directory and compares them; a resume keeps the backend"
  )
  func sweepOnEveryBackend() throws {
    let path = temporaryPath("backends")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let arguments = [
      "sweep", "--layer", "layer1.0.conv1", "--batch", "1", "--from", "32", "--to", "30", "--threads", "1",
      "--budget", "0.05", "--confirm-budget", "0", "--backend", "all", "--out", path, "--quiet",
    ]
    let outcome = try runTool(arguments)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let summary = try String(contentsOfFile: path + "/backends.md", encoding: .utf8)
    for backend in ["openblas", "blis", "onednn"] {
      #expect(summary.contains("| \(backend) |"), "\(backend) missing from backends.md")
      let plan = try String(contentsOfFile: "\(path)/\(backend)/plan.json", encoding: .utf8)
      #expect(
        plan.contains("\"backend\" : \"\(backend)\""), "\(backend)/plan.json does not record its backend")
      let sweep = try String(contentsOfFile: "\(path)/\(backend)/sweep.md", encoding: .utf8)
      #expect(sweep.contains("| paper |"))
    }
    #expect(summary.contains("Best (backend, rank)") && summary.contains("Rank cliffs"))
    #expect(FileManager.default.fileExists(atPath: path + "/backends.svg"))
    // A resumed backend sweep measures on its own backend; naming another is an error.
    let conflict = try runTool(["sweep", "--resume", path + "/blis", "--backend", "onednn"])
    #expect(
      conflict.status == 64 && conflict.stderr.contains("differs from the backend"), "\(conflict.stderr)")
    let parent = try runTool(["sweep", "--resume", path, "--backend", "onednn"])
    #expect(parent.status == 64 && parent.stderr.contains("(all)"), "\(parent.stderr)")
    let plan = try String(contentsOfFile: path + "/plan.json", encoding: .utf8)
    #expect(plan.contains("\"backends\"") && !plan.contains("\"backend\" :"), "\(plan)")
  }

  @Test(
    "ranks --backend all studies each backend and names the best backend per layer and policy")
  func ranksOnEveryBackend() throws {
    let path = temporaryPath("ranks-backends")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let outcome = try runTool([
      "ranks", "--filter", "^layer1\\.0\\.conv1$", "--batch", "1", "--step", "4", "--threads", "1",
      "--budget", "0.05", "--confirm-budget", "0", "--backend", "all", "--out", path, "--quiet",
    ])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let summary = try String(contentsOfFile: path + "/backends.md", encoding: .utf8)
    #expect(summary.contains("| OpenBLAS | BLIS | oneDNN | best for paper | best for robust |"), "\(summary)")
    #expect(summary.contains("| layer1.0.conv1 | 64 | 64 | 16 |"))
    for backend in ["openblas", "blis", "onednn"] {
      #expect(FileManager.default.fileExists(atPath: "\(path)/\(backend)/ranks.md"), "\(backend)/ranks.md")
    }
  }

  @Test(
    "--backend best names a layer its source did not measure")
  func bestBackendsMustCoverEveryLayer() throws {
    let path = temporaryPath("best") + ".json"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let kernels = try runTool(
      [
        "kernels", "--backend", "all", "--filter", "^fc$", "--batch", "1", "--budget", "0.02", "--format",
        "json",
        "--quiet",
      ], stdout: path)
    #expect(kernels.status == 0, "\(kernels.stderr)")
    let model = try runTool(["model", "--backend", "best:" + path, "--batch", "1"])
    #expect(model.status == 64 && model.stderr.contains("has no timing for conv1"), "\(model.stderr)")
  }

  @Test(
    "messages name the problem and the fix")
  func messages() throws {
    let long = String(repeating: "x", count: 98_000)
    let unknown = try runTool(["sweep", "--layer", long])
    #expect(unknown.status == 64 && unknown.stderr.count < 600, "echoed \(unknown.stderr.count) characters")
    #expect(unknown.stderr.contains("closest names"))
    let frozen = try runTool(["time", "--layer", "fc", "--frozen", "paper", "--budget", "0.05"])
    #expect(frozen.stderr.contains("no effect in inference mode"))
    let events = try runTool(["counters", "--events", "PAPI_TOT_CYCLES"])
    #expect(events.status == 64 && events.stderr.contains("PAPI_TOT_CYC"))
    #expect(!events.stderr.contains("rocm"), "library noise reached the terminal")
    let typo = try runTool(["swep", "--layer", "fc"])
    #expect(typo.status == 64 && typo.stderr.contains("did you mean 'sweep'"))
  }
}

/// The plan a sweep command line makes (no measurement).
func parsePlan(_ arguments: [String]) throws -> (SweepPlan, SweepCommand) {
  let command = try #require(try LRDBench.parseAsRoot(arguments) as? SweepCommand)
  return (try command.makePlan(cores: 2), command)
}

@Suite("Documentation stays true to the code")
struct DocumentationTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "../..")

  static func file(_ path: String) -> String {
    (try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)) ?? ""
  }

  static let readme = file("README.md")
  static let guide = file("docs/guide.md")

  /// The user guide's section for `command`: from its "### `command`" heading to the next heading.
  static func section(_ command: String) -> String? {
    let lines = guide.components(separatedBy: "\n")
    guard
      let start = lines.firstIndex(where: {
        $0.hasPrefix("### `\(command)`") || $0.hasPrefix("### `\(command) ")
      })
    else { return nil }
    let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("#") } ?? lines.endIndex
    return lines[start..<end].joined(separator: "\n")
  }

  @Test(
    "every option of every command is documented in that command's section",
    arguments: [
      SweepCommand.self, RanksCommand.self, MergeCommand.self, SubmitCommand.self, BranchesCommand.self,
      TimeCommand.self,
      KernelsCommand.self,
      LayersCommand.self, TopologyCommand.self, CountersCommand.self, SelfTestCommand.self, ModelCommand.self,
      TableCommand.self, RunCommand.self, ABCommand.self, CompareCommand.self, HistoryCommand.self,
      ExportCommand.self, ExportONNXCommand.self, PublishCommand.self,
    ] as [any ParsableCommand.Type])
  func optionsAreDocumented(command: any ParsableCommand.Type) throws {
    let name = try #require(command.configuration.commandName)
    let section = try #require(Self.section(name), "docs/guide.md has no section for \(name)")
    let help = LRDBench.helpMessage(for: command)
    let options = help.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("--") && $0 != "--help" }
      .map { String($0.prefix { $0 == "-" || $0.isLetter }) }
    #expect(!options.isEmpty)
    for option in Set(options) {
      #expect(section.contains(option), "docs/guide.md's `\(name)` section does not mention \(option)")
    }
  }

  @Test func quickStartHasTheTwoCommands() {
    #expect(Self.readme.contains("scripts/lrd-bench sweep --layer layer4.2.conv2"))
    #expect(Self.readme.contains("scripts/test"))
  }

  @Test(
    "history refuses a threshold or alpha that compare refuses",
    arguments: [["--threshold", "-5"], ["--alpha", "2"], ["--threshold", "1.5"], ["--alpha", "0"]])
  func historyValidatesLikeCompare(arguments: [String]) {
    #expect(throws: (any Error).self) { try HistoryCommand.parse(["fc/alpha/t1"] + arguments) }
    #expect(throws: (any Error).self) { try CompareCommand.parse(["1", "2"] + arguments) }
  }

  @Test("docs/reference.md is what `lrd-bench reference` prints (regenerate it with that command)")
  func referenceIsGenerated() {
    let file = Self.file("docs/reference.md")
    #expect(!file.isEmpty)
    #expect(
      file == ReferenceCommand.markdown, "docs/reference.md is stale: lrd-bench reference > docs/reference.md"
    )
  }

  /// Every relative link of the README and docs/ names a file of the repository, and an anchor that is a
  /// heading of that file; no document points outside the repository for what the code relies on.
  @Test(
    "links between the documents resolve",
    arguments: ["README.md", "docs/guide.md", "docs/reference.md", "docs/methods.md", "docs/design.md"])
  func linksResolve(path: String) throws {
    let text = Self.file(path)
    #expect(!text.isEmpty, "\(path) is missing")
    #expect(!text.contains("DESIGN.md"))
    let directory = (path as NSString).deletingLastPathComponent
    let links = try Regex(#"\]\(([^)#:]*)(#[^)]*)?\)"#)
    for match in text.matches(of: links) {
      let target = match.output[1].substring.map(String.init) ?? ""
      let anchor = match.output[2].substring.map { String($0.dropFirst()) }
      let file = target.isEmpty ? path : (directory as NSString).appendingPathComponent(target)
      let linked = Self.file(file)
      // Pictures are not text: they only have to exist.
      let exists =
        !linked.isEmpty || FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(file).path)
      #expect(exists, "\(path) links to \(file), which does not exist")
      if let anchor, !linked.isEmpty {
        let headings = linked.components(separatedBy: "\n").filter { $0.hasPrefix("#") }.map(Self.slug)
        #expect(headings.contains(anchor), "\(path) links to \(file)#\(anchor), which is not a heading there")
      }
    }
  }

  /// Package.swift's Swift targets (tests excluded) and the dependencies each declares, by name.
  static func declaredDependencies() throws -> [String: [String]] {
    let manifest = file("Package.swift")
    let target = try Regex(
      #"\.(?:target|executableTarget)\(\s*name: "([^"]+)"(?:,\s*dependencies: \[([^\]]*)\])?"#)
    let name = try Regex(#"\.product\(name: "([^"]+)"[^)]*\)|"([^"]+)""#)
    var result: [String: [String]] = [:]
    for match in manifest.matches(of: target) {
      let module = String(match.output[1].substring ?? "")
      guard !(module.count > 1 && module.first == "C" && module.dropFirst().first?.isUppercase == true) else {
        continue
      }
      let list = match.output[2].substring.map(String.init) ?? ""
      result[module] = list.matches(of: name).map {
        String($0.output[1].substring ?? $0.output[2].substring ?? "")
      }
    }
    return result
  }

  @Test("the design's module graph is Package.swift's, and each module depends on exactly what it imports")
  func moduleGraph() throws {
    let declared = try Self.declaredDependencies()
    #expect(declared.count >= 15)
    let design = Self.file("docs/design.md")
    for (module, dependencies) in declared {
      let line = "* \(module) → " + (dependencies.isEmpty ? "(none)" : dependencies.joined(separator: ", "))
      let listed = design.contains(line + "\n")
      #expect(listed, "docs/design.md lacks: \(line)")
    }
    let sources = Self.root.appendingPathComponent("Sources")
    let imports = try Regex(#"(?m)^(?:@testable )?import (\w+)$"#)
    // FoundationEssentials: imported by the generated protobuf code where it exists.
    let implicit: Set = ["Foundation", "FoundationEssentials", "Glibc", "Synchronization", "Dispatch"]
    for (module, dependencies) in declared {
      let directory = sources.appendingPathComponent(module)
      let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String } ?? []
      var used = Set<String>()
      for path in files where path.hasSuffix(".swift") {
        let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
        for match in text.matches(of: imports) { used.insert(String(match.output[1].substring ?? "")) }
      }
      used.subtract(implicit)
      let named = Set(dependencies.map { $0 == "lrd-bench" ? "lrd_bench" : $0 })
      #expect(used == named, "\(module): imports \(used.sorted()), declares \(named.sorted())")
    }
  }

  /// GitHub's anchor for a Markdown heading line.
  static func slug(_ heading: String) -> String {
    let text = heading.drop { $0 == "#" }.drop { $0 == " " }.lowercased()
    return String(
      text.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == " " || $0 == "_" }
        .map { $0 == " " ? "-" : $0 })
  }
}
