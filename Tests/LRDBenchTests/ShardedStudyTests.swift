import Foundation
import Harness
import Support
import Testing

@testable import lrd_bench

/// The units of a finished run's result file: `key` of each element of the list `field` (a ranks study's layers:
/// `ranks.json`, "rows", "layer").
func resultUnits(_ path: String, _ field: String = "rows", _ key: String = "layer") throws -> [String] {
  let data = try Data(contentsOf: URL(fileURLWithPath: path))
  let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
  return (json?[field] as? [[String: Any]] ?? []).map { "\($0[key] ?? "")" }
}

@Suite("Sharded studies", .serialized)
struct ShardedStudyTests {
  @Test("sweep shards split the thread configs and merge into every config once, in the plan's order")
  func sweepShardsMerge() throws {
    let base = temporaryPath("sweep-shards")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let sweep = [
      "sweep", "--layer", "layer1.0.conv1", "--threads", "2,1", "--batch", "1", "--budget", "0.01",
      "--confirm-budget", "0", "--step", "8", "--passes", "1", "--quiet", "--no-backend-check",
    ]
    for index in 1...2 {
      #expect(exitCode(sweep + ["--shard", "\(index)/2", "--out", base + "/s\(index)"]) == 0)
    }
    let first = try resultUnits(base + "/s1/sweep.json", "configs", "config")
    let second = try resultUnits(base + "/s2/sweep.json", "configs", "config")
    #expect(first.count == 1 && second.count == 1 && first != second, "each shard sweeps one config")
    #expect(exitCode(["merge", base + "/s2", base + "/s1", "--out", base + "/merged"]) == 0)
    let merged = try Data(contentsOf: URL(fileURLWithPath: base + "/merged/sweep.json"))
    let json = try JSONSerialization.jsonObject(with: merged) as? [String: Any]
    let threads = (json?["configs"] as? [[String: Any]] ?? []).compactMap {
      ($0["config"] as? [String: Any])?["threads"] as? Int
    }
    #expect(threads == [2, 1], "every config once, in the plan's order (2,1: not the shards' order)")
    #expect((json?["plan"] as? [String: Any])?["shard"] == nil, "the merged plan is the whole sweep's")
    #expect((json?["mergedFrom"] as? [Any])?.count == 2)
    let report = try String(contentsOfFile: base + "/merged/sweep.md", encoding: .utf8)
    #expect(report.contains("Merged from 2 shards") && report.contains("1 thread config: "))
    let missing = try runTool(["merge", base + "/s2", "--out", base + "/m2"])
    #expect(missing.status == 64 && missing.stderr.contains("shard 1/2 of 2 missing"), "\(missing.stderr)")
    let whole = try runTool(sweep + ["--threads", "1", "--shard", "2/2", "--out", base + "/none"])
    #expect(whole.status == 64 && whole.stderr.contains("holds no thread config"), "\(whole.stderr)")
    #expect(!FileManager.default.fileExists(atPath: base + "/none"), "a refused shard creates nothing")
  }

  @Test("branches shards split the branch counts and merge into every count once; kinds do not mix")
  func branchesShardsMerge() throws {
    let base = temporaryPath("branches-shards")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let study = [
      "branches", "--layer", "layer1.0.conv2", "--branches", "1,2,4", "--threads", "1", "--batch", "1",
      "--budget", "0.01", "--quiet",
    ]
    var measured: [String] = []
    for index in 1...2 {
      #expect(exitCode(study + ["--shard", "\(index)/2", "--out", base + "/s\(index)"]) == 0)
      measured += try resultUnits(base + "/s\(index)/branches.json", "points", "branches")
    }
    #expect(measured.sorted() == ["1", "2", "4"], "the shards partition the counts")
    #expect(exitCode(["merge", base + "/s1", base + "/s2", "--out", base + "/merged"]) == 0)
    #expect(try resultUnits(base + "/merged/branches.json", "points", "branches") == ["1", "2", "4"])
    let foreign = try runTool(["merge", base + "/merged", "--out", base + "/m2"])
    #expect(foreign.status == 64 && foreign.stderr.contains("not a shard"), "\(foreign.stderr)")
    let sweep = try runTool([
      "merge", base + "/s1", FileManager.default.temporaryDirectory.path, "--out", base + "/m3",
    ])
    #expect(sweep.status == 64, "\(sweep.stderr)")
  }

  @Test(
    "a table splits by model: every shard count from 1 to 3 partitions the models, and a fourth shard holds none"
  )
  func tableShardsPartitionTheModels() throws {
    func plan(_ shard: String) throws -> TablePlan {
      let command = try #require(
        try LRDBench.parseAsRoot(["table", "--models", "resnet50,resnet101,resnet152", "--shard", shard])
          as? TableCommand)
      return try command.makePlan(cores: 2)
    }
    for count in 1...3 {
      let models = try (1...count).flatMap { try plan("\($0)/\(count)").measuredModels }
      #expect(models.map(\.rawValue).sorted() == ["resnet101", "resnet152", "resnet50"], "\(count) shards")
    }
    #expect(try plan("1/3").measuredModels == [.resnet152], "the largest model first")
    #expect {
      try TableStudy.validate(try plan("4/4"), cores: 2)
    } throws: {
      "\($0)".contains("shard 4/4 holds no model")
    }
  }

  @Test(
    "a shard of a study on every backend is refused",
    arguments: [
      ["sweep", "--layer", "fc", "--backend", "all", "--shard", "1/2"],
      ["ranks", "--backend", "all", "--shard", "1/2"],
      ["branches", "--layer", "layer1.0.conv2", "--shard", "0/2"],
      ["table", "--shard", "2"], ["run", "smoke", "--costs-from", "x.sqlite"],
    ])
  func badShards(arguments: [String]) {
    #expect(exitCode(arguments) == 64, "\(arguments)")
  }
}
