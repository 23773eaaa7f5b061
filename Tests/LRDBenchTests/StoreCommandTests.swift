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
    // --check: the reference (1000 s per call ± 50%) is far off → exit 2.
    #expect(exitCode(["run", suite, "--store", store, "--label", "two", "--check", "--quiet"]) == 2)
    #expect(exitCode(["baseline", "set", "one", "--store", store]) == 0)
    // Timings differ from run to run; the exit code must be one of compare's verdict codes.
    #expect([0, 2, 4].contains(exitCode(["compare", "baseline", "two", "--store", store])))
    #expect([0, 2, 4].contains(exitCode(["compare", "one", "two", "--store", store, "--format", "json"])))
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
    #expect(
      [0, 2, 4].contains(
        exitCode(["compare", "one", "dnnl", "--store", store, "--allow-different-backends"])))
    #expect(exitCode(["history", "l1c1/alpha/t1", "--store", store]) == 0)
    #expect(exitCode(["history", "l1c1/alpa/t1", "--store", store]) == 64)
    let gbench = directory + "/gbench.json"
    #expect(exitCode(["export", "two", "--format", "gbench", "--store", store, "--out", gbench]) == 0)
    let json =
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: gbench))) as? [String: Any]
    #expect((json?["benchmarks"] as? [Any])?.isEmpty == false)
    // An exported run compares against a stored one.
    let exported = directory + "/two.json"
    #expect(exitCode(["export", "two", "--format", "json", "--store", store, "--out", exported]) == 0)
    #expect([0, 2, 4].contains(exitCode(["compare", "one", exported, "--store", store])))
    let opened = try ResultStore(path: store)
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
      ["compare", "1", "2", "--threshold", "-1"],
      ["export", "1", "--format", "xml"],
    ])
  func badInput(arguments: [String]) {
    #expect(exitCode(arguments) == 64, "\(arguments)")
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

  @Test func aMalformedInjectionKnobIsRefused() {
    setenv("LRD_BENCH_INJECT_SLOWDOWN", "lots", 1)
    defer { unsetenv("LRD_BENCH_INJECT_SLOWDOWN") }
    #expect(exitCode(["run", "smoke", "--store", temporaryPath("knob") + "/s.sqlite"]) == 64)
  }
}
