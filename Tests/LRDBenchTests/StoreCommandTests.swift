import Foundation
import Store
import Testing

@testable import lrd_bench

/// A suite small enough for a test: one small layer, one thread, a short budget.
let tinySuite = """
  suite: tiny
  defaults: {batch: 1, threads: 1, budget: 0.05, ci: 0.05}
  points:
    - {name: l1c1/original, layer: layer1.0.conv1}
    - name: l1c1/alpha
      layer: layer1.0.conv1
      factorization: alpha
      references:
        "*": {expected: 1000, lower: -0.5, upper: 0.5, unit: s}
  """

@Suite("Suite runs and the store", .serialized)
struct StoreCommandTests {
  @Test func runCompareBaselineHistoryExport() throws {
    let directory = temporaryPath("store")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let suite = directory + "/tiny.yaml"
    try tinySuite.write(toFile: suite, atomically: true, encoding: .utf8)
    let store = directory + "/store.sqlite"
    // First night: a run, then compare has no baseline → 5.
    #expect(exitCode(["run", suite, "--store", store, "--label", "one", "--quiet"]) == 0)
    #expect(exitCode(["compare", "--store", store]) == 5)
    #expect(
      exitCode(["run", suite, "--store", store, "--label", "one", "--quiet"]) == 64, "a label names one run")
    // --check: the reference (1000 s per call ± 50%) is far off → exit 2. This run's every call is made 3×
    // slower (LRD_BENCH_INJECT_SLOWDOWN=2), so each comparison below has one known answer.
    let slower = try runTool(
      ["run", suite, "--store", store, "--label", "two", "--check", "--quiet"],
      environment: ["LRD_BENCH_INJECT_SLOWDOWN": "2"])
    #expect(slower.status == 2, "\(slower.stderr)")
    #expect(exitCode(["baseline", "set", "one", "--store", store]) == 0)
    #expect(exitCode(["compare", "baseline", "two", "--store", store]) == 2, "3× slower is a regression")
    #expect(exitCode(["compare", "two", "one", "--store", store, "--format", "json"]) == 4, "3× faster")
    #expect(exitCode(["compare", "one", "one", "--store", store]) == 64, "a run compared with itself")
    #expect(exitCode(["compare", "one", "nonesuch", "--store", store]) == 64)
    // A run on another kernel backend is a change of library, not a regression: refused unless allowed.
    #expect(
      // In a child process: `--backend` switches the whole process.
      try runTool(["run", suite, "--store", store, "--label", "dnnl", "--backend", "onednn", "--quiet"])
        .status
        == 0)
    let refused = try runTool(["compare", "one", "dnnl", "--store", store])
    #expect(
      refused.status == 64 && refused.stderr.contains("on OpenBLAS and run #3 on oneDNN"), "\(refused.stderr)"
    )
    let allowed = directory + "/allowed.md"
    let across = try runTool(
      ["compare", "one", "dnnl", "--store", store, "--allow-different-backends"], stdout: allowed)
    #expect([0, 2, 4].contains(across.status), "compared, whatever the verdict: \(across.stderr)")
    #expect(try String(contentsOfFile: allowed, encoding: .utf8).contains("l1c1/alpha/t1"))
    #expect(exitCode(["history", "l1c1/alpha/t1", "--store", store]) == 0)
    #expect(exitCode(["history", "l1c1/alpa/t1", "--store", store]) == 64)
    #expect(exitCode(["history", "l1c1/alpha/t1", "--store", store, "--since", "notadate"]) == 64)
    #expect(exitCode(["history", "l1c1/alpha/t1", "--store", store, "--since", "2020-01-01"]) == 0)
    let future = try runTool(["history", "l1c1/alpha/t1", "--store", store, "--since", "2999-01-01"])
    #expect(future.status == 64 && future.stderr.contains("measured only earlier"), "\(future.stderr)")
    let gbench = directory + "/gbench.json"
    #expect(exitCode(["export", "two", "--format", "gbench", "--store", store, "--out", gbench]) == 0)
    let json =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: gbench))) as? [String: Any]
    let names = Set((json?["benchmarks"] as? [[String: Any]] ?? []).compactMap { $0["run_name"] as? String })
    #expect(
      names == [
        "resnet50/layer1.0.conv1/original/b1/t1/inference", "resnet50/layer1.0.conv1/svd:16/b1/t1/inference",
      ],
      "\(names)")
    // An exported run compares against a stored one: the slowed run, exported, is still a regression.
    let exported = directory + "/two.json"
    #expect(exitCode(["export", "two", "--format", "json", "--store", store, "--out", exported]) == 0)
    #expect(exitCode(["compare", "one", exported, "--store", store]) == 2)
    // Output paths: a link keeps its place, a device stays a device, a directory is refused (exit 64).
    let target = directory + "/target.json"
    try "old".write(toFile: target, atomically: true, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: directory + "/link.json", withDestinationPath: target)
    #expect(
      exitCode(["export", "two", "--format", "json", "--store", store, "--out", directory + "/link.json"])
        == 0)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory + "/link.json") == target)
    #expect(try String(contentsOfFile: target, encoding: .utf8).contains("l1c1/alpha/t1"))
    #expect(exitCode(["history", "l1c1/alpha/t1", "--store", store, "--svg", "/dev/null"]) == 0)
    #expect(
      (try FileManager.default.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType)
        == .typeCharacterSpecial)
    #expect(exitCode(["compare", "one", "two", "--store", store, "--svg", directory]) == 64)
    #expect(
      exitCode(["export", "two", "--format", "bmf", "--store", store, "--out", directory + "/no/x.json"])
        == 64)
    #expect(!FileManager.default.fileExists(atPath: directory + "/no"))
    let opened = try ResultStore(path: store, access: .create)
    let runs = try opened.runs()
    #expect(runs.count == 3 && runs.allSatisfy { $0.status == .complete })
    #expect(try opened.points(of: runs[0].id).map(\.name) == ["l1c1/original/t1", "l1c1/alpha/t1"])
  }

  @Test(
    "bad input to the store commands exits 64 and leaves the store untouched",
    arguments: [
      ["run", "/nonexistent/suite.yaml"],
      ["run", "nonesuch"],
      ["run", "smoke", "--shard", "3/2"],
      ["run", "smoke", "--shard", "999/999"],
      ["run", "smoke", "--label", "5"],
      ["run", "smoke", "--label", "#5"],
      ["run", "smoke", "--label", "Latest"],
      ["run", "smoke", "--label", ""],
      ["compare", "1", "2", "--threshold", "-1"],
      ["export", "1", "--format", "xml"],
    ])
  func badInput(arguments: [String]) throws {
    let directory = temporaryPath("untouched")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let store = directory + "/store.sqlite"
    _ = try ResultStore(path: store, access: .create)
    let before = try Data(contentsOf: URL(fileURLWithPath: store))
    #expect(exitCode(arguments + ["--store", store]) == 64, "\(arguments)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before, "\(arguments) changed the store")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["store.sqlite"])
  }

  @Test(
    "reading commands and baseline commands refuse a missing store and create nothing; run never makes a directory",
    arguments: [
      ["compare", "baseline", "latest", "--store", "DIR/missing.sqlite"],
      ["history", "l1c1/alpha/t1", "--store", "DIR/missing.sqlite"],
      ["export", "latest", "--format", "json", "--store", "DIR/missing.sqlite"],
      ["baseline", "show", "--store", "DIR/missing.sqlite"],
      ["baseline", "set", "--store", "DIR/missing.sqlite"],
      ["baseline", "commit", "--store", "DIR/missing.sqlite"],
      ["run", "smoke", "--store", "DIR/no/such/dir/x.sqlite"],
    ])
  func aMissingStoreIsNotCreated(arguments: [String]) throws {
    let directory = temporaryPath("missing-store")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let resolved = arguments.map { $0.replacingOccurrences(of: "DIR", with: directory) }
    #expect(exitCode(resolved) == 64, "\(resolved)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "\(resolved)")
  }

  @Test func aStoreThatIsNotSQLiteIsRefused() throws {
    let directory = temporaryPath("garbage-store")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let path = directory + "/store.sqlite"
    try String(repeating: "x", count: 4096).write(toFile: path, atomically: true, encoding: .utf8)
    #expect(exitCode(["baseline", "show", "--store", path]) == 64)
    #expect(try String(contentsOfFile: path, encoding: .utf8).count == 4096)
  }

  @Test(
    "a malformed environment variable is refused at start-up, by any command, before anything is created",
    arguments: [
      ("LRD_BENCH_INJECT_SLOWDOWN", "lots"), ("LRD_BENCH_BACKEND", "onedn"), ("LRD_BENCH_BACKEND", "blis "),
      ("LRD_BENCH_BACKEND", "bogus"), ("LRD_BENCH_THREADING", "many"), ("LRD_BENCH_TEST_IM2COL_PASSES", "9"),
      ("LRD_BENCH_SELFCHECK_FAULT", "boom"),
    ])
  func aMalformedVariableIsRefused(variable: String, value: String) throws {
    let directory = temporaryPath("knob")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for arguments in [["run", "smoke", "--store", directory + "/s.sqlite"], ["layers"]] {
      let refused = try runTool(arguments, environment: [variable: value])
      #expect(refused.status == 64 && refused.stderr.contains("\(variable)"), "\(refused)")
    }
    #expect(!FileManager.default.fileExists(atPath: directory))
  }
}
