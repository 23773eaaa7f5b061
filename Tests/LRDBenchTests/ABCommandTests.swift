import Foundation
import Store
import Testing

@testable import lrd_bench

/// Two small 1-thread points for an end-to-end A/B run at a tiny budget.
private let abSuite = """
  suite: tiny-ab
  defaults: {batch: 1, threads: 1, budget: 0.4}
  points:
    - {name: fc/alpha, layer: fc, factorization: alpha}
    - {name: l1c1/alpha, layer: layer1.0.conv1, factorization: alpha}
  """

@Suite("lrd-bench ab", .serialized)
struct ABCommandTests {
  @Test(
    "An injected slowdown in the new build only is a regression; the base is untouched; export and history read it"
  )
  func injectedSlowdownEndToEnd() throws {
    let directory = temporaryPath("ab")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let suite = directory + "/tiny.yaml"
    try abSuite.write(toFile: suite, atomically: true, encoding: .utf8)
    let store = directory + "/store.sqlite"
    let report = directory + "/report.json"
    let result = try runTool(
      [
        "ab", suite, "--base", executable, "--rounds", "8", "--processes", "2", "--store", store, "--label",
        "inj",
        "--new-env", "LRD_BENCH_INJECT_SLOWDOWN=0.5@^fc/", "--format", "json", "--quiet",
      ], stdout: report)
    #expect(result.status == 2, "\(result.stderr)")
    let json =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
    let points = json?["points"] as? [[String: Any]] ?? []
    #expect(points.count == 2)
    let fc = points.first { ($0["name"] as? String) == "fc/alpha/t1" }
    let comparison = fc?["comparison"] as? [String: Any]
    #expect(comparison?["verdict"] as? String == "regression")
    #expect((comparison?["lower"] as? Double ?? 0) > 1.2, "a 50% slowdown's CI lies well above +20%")
    #expect(fc?["injected"] as? Double == 0.5)
    let other = points.first { ($0["name"] as? String) == "l1c1/alpha/t1" }
    #expect((other?["comparison"] as? [String: Any])?["verdict"] as? String != "regression")
    // Both builds' rounds are in the store; export and history read them.
    let opened = try ResultStore(path: store, access: .create)
    let run = try opened.resolveAB("inj")
    #expect(run.status == .complete)
    #expect(try opened.abMeasurements(of: run.id).count == 2 * 2 * 8)
    let gbench = directory + "/gbench.json"
    #expect(exitCode(["export", "ab#inj", "--format", "gbench", "--store", store, "--out", gbench]) == 0)
    let exported =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: gbench))) as? [String: Any]
    let names = Set(
      ((exported?["benchmarks"] as? [[String: Any]]) ?? []).compactMap { $0["run_name"] as? String })
    #expect(names.contains("fc/alpha/t1/base") && names.contains("fc/alpha/t1/new"))
    #expect(exitCode(["history", "fc/alpha/t1", "--ab", "--store", store]) == 0)
  }

  @Test(
    "bad input to ab exits 64 and measures nothing",
    arguments: [
      ["ab", "smoke"],
      ["ab", "smoke", "--base", "no-such-commit-or-file"],
      ["ab", "smoke", "--base", "/etc/hostname"],
      ["ab", "smoke", "--base", "/bin/true"],
      ["ab", "smoke", "--base", "HEAD", "--rounds", "5"],
      ["ab", "smoke", "--base", "HEAD", "--threshold", "2"],
      ["ab", "smoke", "--base", "HEAD", "--new-env", "NOEQUALS"],
      ["ab", "smoke", "--base", "HEAD", "--processes", "0"],
      ["ab", "nonesuch", "--base", "HEAD"],
    ])
  func badInput(arguments: [String]) {
    let store = temporaryPath("ab-bad") + "/s.sqlite"
    #expect(exitCode(arguments + ["--store", store, "--quiet"]) == 64, "\(arguments)")
  }

  @Test("Ctrl-C exits 130 keeping what was measured; --resume measures the rest")
  func interruptAndResume() throws {
    let directory = temporaryPath("ab-interrupt")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let suite = directory + "/tiny.yaml"
    try abSuite.write(toFile: suite, atomically: true, encoding: .utf8)
    let store = directory + "/store.sqlite"
    let arguments = ["ab", suite, "--base", executable, "--rounds", "8", "--store", store, "--quiet"]
    // Interrupt once the first measurements are stored (however slow the machine is), well before the end.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments + ["--label", "cut", "--budget-scale", "5"]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(300)
    while Date() < deadline && process.isRunning {
      Thread.sleep(forTimeInterval: 0.2)
      let stored = (try? ResultStore(path: store, access: .create)).flatMap { store in
        (try? store.abRuns().first).flatMap { try? store.abMeasurements(of: $0.id).count }
      }
      if (stored ?? 0) >= 2 { break }
    }
    kill(process.processIdentifier, SIGINT)
    let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 130, "\(stderr)")
    #expect(stderr.contains("--resume ab#"))
    let opened = try ResultStore(path: store, access: .create)
    let run = try opened.resolveAB("cut")
    let kept = try opened.abMeasurements(of: run.id).count
    #expect(run.status == .incomplete && kept > 0 && kept < 32, "\(kept) measurements kept")
    let resumed = try runTool(["ab", suite, "--resume", "ab#\(run.id)", "--store", store, "--quiet"])
    #expect([0, 2, 3, 4].contains(resumed.status), "\(resumed.stderr)")
    let all = try opened.abMeasurements(of: run.id)
    #expect(all.count == 32)
    #expect(Set(all.map { "\($0.name)|\($0.side)|\($0.round)" }).count == 32, "nothing measured twice")
    #expect(try opened.resolveAB("cut").status == .complete)
  }

  @Test func baseBaselineWithoutABaselineCommitExits5() throws {
    let directory = temporaryPath("ab-nobaseline")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let store = directory + "/s.sqlite"
    #expect(exitCode(["ab", "smoke", "--base", "baseline", "--store", store, "--quiet"]) == 5)
  }
}

/// Whether valgrind's callgrind is installed (scripts/setup installs it).
private let hasValgrind =
  FileManager.default.isExecutableFile(atPath: "/usr/bin/valgrind")
  && FileManager.default.isExecutableFile(atPath: "/usr/bin/callgrind_annotate")

@Suite("lrd-bench ab --instructions", .serialized)
struct ABInstructionTests {
  @Test(
    "A second im2col pass in the new build only is flagged by the instruction gate, with im2col among the functions",
    .enabled(if: hasValgrind, "valgrind is not installed (scripts/setup installs it)"))
  func slowerIm2colIsFlagged() throws {
    let directory = temporaryPath("ab-instructions")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let suite = directory + "/conv.yaml"
    try """
    suite: conv
    defaults: {batch: 1, threads: 1, budget: 0.1}
    points:
      - {name: l1c2, layer: layer1.0.conv2}
      - {name: fc, layer: fc, factorization: alpha}
    """.write(toFile: suite, atomically: true, encoding: .utf8)
    let report = directory + "/report.json"
    let result = try runTool(
      [
        "ab", suite, "--base", executable, "--rounds", "4", "--processes", "1", "--instructions",
        "--store", directory + "/s.sqlite", "--new-env", "LRD_BENCH_TEST_IM2COL_PASSES=1", "--format", "json",
        "--quiet",
      ], stdout: report)
    #expect(result.status == 2, "\(result.stderr)")
    let json =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
    let counts = json?["instructions"] as? [[String: Any]] ?? []
    #expect(counts.count == 2)
    let conv = counts.first { ($0["name"] as? String) == "l1c2/t1" }
    #expect(conv?["flagged"] as? Bool == true)
    #expect((conv?["change"] as? Double ?? 0) > 0.005)
    let functions = (conv?["functions"] as? [[String: Any]] ?? []).compactMap { $0["function"] as? String }
    #expect(functions.contains { $0.contains("Im2col") }, "\(functions)")
    // The fully connected layer has no im2col: the same count on both builds.
    let fc = counts.first { ($0["name"] as? String) == "fc/t1" }
    #expect(fc?["flagged"] as? Bool == false, "\(String(describing: fc))")
    // The counts are stored with the A/B run, under the names of its points (the published site shows them).
    let store = try ResultStore(path: directory + "/s.sqlite", access: .read)
    let stored = try store.abInstructions(of: try store.resolveAB("latest").id)
    #expect(
      Set(stored.map(\.name)) == ["l1c2/t1", "fc/t1"] && stored.allSatisfy { $0.base > 0 && $0.new > 0 })
  }
}
