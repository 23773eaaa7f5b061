import Decomposition
import Foundation
import Harness
import ONNX
import Programs
import Testing

@testable import lrd_bench

/// A fixture of the ONNX import tests (scripts/onnx-fixtures writes them).
private func onnxFixture(_ name: String) -> String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../ONNXTests/Fixtures/\(name)").standardizedFileURL.path
}

@Suite("ONNX models on the command line", .serialized)
struct ONNXCommandTests {
  @Test(
    "layers --onnx lists the file's layers with its digest; sweep --onnx sweeps a layer with its real weights"
  )
  func layersAndSweep() throws {
    let base = temporaryPath("onnx")
    defer { try? FileManager.default.removeItem(atPath: base) }
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    let listed = try runTool(
      ["layers", "--onnx", onnxFixture("small-cnn.onnx")], stdout: base + "/layers.txt")
    let table = try String(contentsOfFile: base + "/layers.txt", encoding: .utf8)
    #expect(
      listed.status == 0 && table.contains("layer1.0.downsample.0") && table.contains("SHA-256 "), "\(table)")
    let model = base + "/model.onnx"
    try FileManager.default.copyItem(atPath: onnxFixture("small-cnn.onnx"), toPath: model)
    let sweep = [
      "sweep", "--onnx", model, "--layer", "layer1.0.downsample.0", "--threads", "1", "--batch", "1",
      "--budget", "0.01", "--confirm-budget", "0", "--passes", "1", "--quiet", "--no-backend-check",
      "--out", base + "/sweep",
    ]
    #expect(exitCode(sweep) == 0)
    let data = try Data(contentsOf: URL(fileURLWithPath: base + "/sweep/sweep.json"))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let plan = json["plan"] as? [String: Any]
    #expect(((plan?["onnx"] as? [String: Any])?["sha256"] as? String)?.count == 64)
    let ranks = ((json["configs"] as? [[String: Any]])?.first?["ranks"] as? [[String: Any]]) ?? []
    let errors = ranks.compactMap { $0["outputError"] as? Double }
    #expect(
      !ranks.isEmpty && errors.count == ranks.count && errors.allSatisfy { $0 > 0 && $0 < 1 }, "\(errors)")
    let report = try String(contentsOfFile: base + "/sweep/sweep.md", encoding: .utf8)
    #expect(report.contains("model.onnx (sha256 ") && report.contains("error (W / y)"))
    // The file changed since the run began: resuming it is refused.
    try FileManager.default.removeItem(atPath: model)
    try FileManager.default.copyItem(atPath: onnxFixture("half.onnx"), toPath: model)
    let resumed = try runTool(["sweep", "--resume", base + "/sweep", "--quiet"])
    #expect(
      resumed.status == 64 && resumed.stderr.contains("changed since the run began"), "\(resumed.stderr)")
  }

  @Test(
    "model --onnx times the whole graph and its vanilla LRD, eager and fused; export-onnx writes the LRD file"
  )
  func wholeNetworks() throws {
    let base = temporaryPath("onnx-model")
    defer { try? FileManager.default.removeItem(atPath: base) }
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    for graph in ["eager", "fused"] {
      let outcome = try runTool(
        [
          "model", "--onnx", onnxFixture("small-cnn.onnx"), "--batch", "2", "--threads", "1", "--budget",
          "0.2",
          "--graph", graph, "--format", "json",
        ], stdout: base + "/\(graph).json")
      #expect(outcome.status == 0, "\(outcome.stderr)")
      let data = try Data(contentsOf: URL(fileURLWithPath: base + "/\(graph).json"))
      let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
      #expect(json["mode"] as? String == graph && (json["decomposedLayers"] as? [String])?.count == 8)
      #expect((json["lrdFlops"] as? Int ?? 0) < (json["originalFlops"] as? Int ?? 0))
    }
    #expect(
      exitCode(["export-onnx", "--onnx", onnxFixture("small-cnn.onnx"), "--out", base + "/lrd.onnx"]) == 0)
    let listed = try runTool(["layers", "--onnx", base + "/lrd.onnx"], stdout: base + "/layers.txt")
    let table = try String(contentsOfFile: base + "/layers.txt", encoding: .utf8)
    #expect(listed.status == 0 && table.contains("layer1.0.downsample.0.lrd1 "), "\(table)")
  }

  @Test(
    "ranks --onnx sweeps every ungrouped layer of the file; its ranks drive that file's network, not a catalog model's"
  )
  func ranks() throws {
    let base = temporaryPath("onnx-ranks")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let study = [
      "ranks", "--onnx", onnxFixture("small-cnn.onnx"), "--threads", "1", "--batch", "1", "--budget", "0.01",
      "--confirm-budget", "0", "--passes", "1", "--quiet", "--no-backend-check", "--out", base + "/ranks",
    ]
    #expect(exitCode(study) == 0)
    let data = try Data(contentsOf: URL(fileURLWithPath: base + "/ranks/ranks.json"))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let layers = (json["rows"] as? [[String: Any]] ?? []).compactMap { $0["layer"] as? String }
    #expect(
      layers == [
        "conv1", "layer1.0.conv1", "layer1.0.conv3", "layer1.0.downsample.0", "layer1.1.conv1",
        "layer1.1.conv2",
        "layer1.1.conv3", "fc", "head",
      ])
    #expect(((json["onnx"] as? [String: Any])?["sha256"] as? String)?.count == 64)
    let optimized = try runTool(["model", "--variant", "optimized:" + base + "/ranks", "--batch", "1"])
    #expect(optimized.status == 64 && optimized.stderr.contains("ONNX model"), "\(optimized.stderr)")
    // The same file's whole network with those ranks: timed against the original.
    let timed = try runTool(
      [
        "model", "--onnx", onnxFixture("small-cnn.onnx"), "--variant", "optimized:" + base + "/ranks",
        "--batch",
        "1", "--threads", "1", "--budget", "0.1", "--format", "json",
      ], stdout: base + "/model.json")
    let model =
      try JSONSerialization.jsonObject(
        with: try Data(contentsOf: URL(fileURLWithPath: base + "/model.json"))) as? [String: Any]
    #expect(timed.status == 0 && model?["optimizedFrom"] as? String == base + "/ranks", "\(timed.stderr)")
    let other = try runTool([
      "model", "--onnx", onnxFixture("half.onnx"), "--variant", "optimized:" + base + "/ranks", "--batch",
      "1",
    ])
    #expect(other.status == 64 && other.stderr.contains("not of half.onnx"), "\(other.stderr)")
  }

  @Test("time, branches and kernels --onnx measure the file's layers, with their shapes and weights")
  func pointAndBranches() throws {
    let base = temporaryPath("onnx-point")
    defer { try? FileManager.default.removeItem(atPath: base) }
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    let timed = try runTool(
      [
        "time", "--onnx", onnxFixture("small-cnn.onnx"), "--layer", "conv1", "--factorization", "tucker2:2,4",
        "--batch", "1", "--budget", "0.1",
      ], stdout: base + "/time.txt")
    let text = try String(contentsOfFile: base + "/time.txt", encoding: .utf8)
    #expect(timed.status == 0 && text.contains("3→8 3×3 s2 p1 @ 32×32 of small-cnn.onnx"), "\(text)")
    #expect(text.contains("(original 224)"), "the file's layer, not the catalog's conv1: \(text)")
    #expect(
      exitCode([
        "branches", "--onnx", onnxFixture("small-cnn.onnx"), "--layer", "conv1", "--branches", "1,2",
        "--ratio",
        "1.2", "--threads", "1", "--batch", "1", "--budget", "0.02", "--quiet", "--out", base + "/branches",
      ]) == 0)
    let report = try String(contentsOfFile: base + "/branches/branches.md", encoding: .utf8)
    #expect(report.contains("conv1 (small-cnn.onnx (sha256 "), "\(report)")
    // kernels --onnx: the file's ungrouped shapes (the grouped one is left out, not crashed on).
    let kernels = try runTool(
      [
        "kernels", "--onnx", onnxFixture("small-cnn.onnx"), "--batch", "1", "--budget", "0.02", "--quiet",
        "--format", "csv",
      ], stdout: base + "/kernels.csv")
    let csv = try String(contentsOfFile: base + "/kernels.csv", encoding: .utf8)
    #expect(
      kernels.status == 0 && csv.contains("layer1.0.downsample.0") && !csv.contains("layer1.0.conv2"),
      "\(csv)")
  }

  @Test(
    "model --onnx --mode training times a training step of a merged and branched variant, saying what was merged"
  )
  func trainingMergedFrozen() throws {
    let path = temporaryPath("onnx-training.txt")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let outcome = try runTool(
      [
        "model", "--onnx", onnxFixture("small-cnn.onnx"), "--mode", "training", "--variant",
        "merged+branched:2",
        "--batch", "2", "--threads", "1", "--budget", "0.2",
      ], stdout: path)
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.contains("as an eager training graph"), "\(text)")
    #expect(text.contains("merged 1 bottleneck (around layer1.1.conv2)"), "\(text)")
    #expect(text.contains("not merged: layer1.0.conv2 is not Tucker-2 decomposed"), "\(text)")
    #expect(text.contains("variant merged+branched:2"), "\(text)")
  }

  @Test("table --onnx measures the file's own Tables 1 and 3, optimized ranks from its own ranks study")
  func table() throws {
    let base = temporaryPath("onnx-table")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let outcome = try runTool([
      "table", "--onnx", onnxFixture("small-cnn.onnx"), "--techniques", "vanilla,optimized,frozen,merged",
      "--batch", "2", "--threads", "1", "--budget", "0.05", "--train-budget", "0.05", "--ranks-budget",
      "0.005",
      "--ranks-per-layer", "2", "--quiet", "--out", base + "/table",
    ])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let table3 = try String(contentsOfFile: base + "/table/table3.md", encoding: .utf8)
    for row in ["| small-cnn | Vanilla LRD | lrd | 19 |", "| small-cnn | Layer merging | merged | 15 |"] {
      #expect(table3.contains(row), "\(table3)")
    }
    #expect(table3.contains("Layer merging merged 1 bottleneck(s) (around layer1.1.conv2)"), "\(table3)")
    #expect(!table3.contains("The paper's Table 3"), "an imported network has no paper row")
    #expect(FileManager.default.fileExists(atPath: base + "/table/ranks-small-cnn/ranks.json"))
    let data = try Data(contentsOf: URL(fileURLWithPath: base + "/table/table.json"))
    let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    let plan = try #require(json["plan"] as? [String: Any])
    #expect(((plan["onnx"] as? [String: Any])?["sha256"] as? String)?.count == 64)
    // A catalog model's ranks are not this file's.
    let refused = try runTool([
      "table", "--onnx", onnxFixture("small-cnn.onnx"), "--ranks-from", base + "/table/ranks-small-cnn",
      "--models", "resnet50",
    ])
    #expect(refused.status == 64 && refused.stderr.contains("--onnx replaces --models"), "\(refused.stderr)")
  }

  @Test(
    "branched:N splits every Tucker-2 core whose ranks allow, rounded down to multiples of N; others stay")
  func branchedVariant() throws {
    let model = try ONNXImporter.load(onnxFixture("small-cnn.onnx"))
    let variant = ImportedNetworkTiming.Variant(
      NetworkVariant(ranks: .optimized(directory: "x"), branches: 4),
      ranks: [
        "conv1": .tucker2(r1: 2, r2: 6), "layer1.0.conv1": .svd(rank: 2), "fc": .tucker2(r1: 9, r2: 10),
      ])
    let chosen = try ImportedNetworkTiming.factorizations(model, ratio: 2, variant: variant)
    #expect(chosen["fc"] == .branched(r1: 8, r2: 8, branches: 4))
    #expect(chosen["conv1"] == .tucker2(r1: 2, r2: 6), "r1 = 2 leaves no multiple of 4: kept as Tucker-2")
    #expect(chosen["layer1.0.conv1"] == .svd(rank: 2) && chosen["head"] == nil)
    let lrd = try ImportedNetworkTiming.factorizations(model, ratio: 2, variant: .lrd)
    #expect(Set(lrd.keys) == Set(ImportedNetworkTiming.lrdLayers(model).decomposed))
  }

  @Test(
    "bad ONNX input exits 64 naming the problem",
    arguments: [
      (["layers", "--onnx", "not-onnx.onnx"], "is not an ONNX model"),
      (["layers", "--onnx", "small-cnn.onnx", "--model", "resnet50"], "--onnx replaces --model"),
      (["layers", "--input-shape", "1,3,8,8"], "--input-shape goes with --onnx"),
      (["layers", "--onnx", "dynamic.onnx", "--input-shape", "1,3"], "give N,C,H,W"),
      (["layers", "--onnx", "small-cnn.onnx", "--filter", "nothing"], "matches no layer"),
      (["sweep", "--onnx", "small-cnn.onnx", "--layer", "layer1.0.conv9"], "did you mean"),
      (["sweep", "--onnx", "small-cnn.onnx", "--layer", "layer1.0.conv2"], "grouped convolution"),
      (["sweep", "--onnx", "dynamic.onnx", "--layer", "conv"], "dynamic shape"),
      (["model", "--graph", "fused"], "--graph applies to --onnx"),
      (
        ["model", "--onnx", "small-cnn.onnx", "--mode", "training", "--graph", "fused"], "training runs eager"
      ),
      (["model", "--onnx", "small-cnn.onnx", "--variant", "original"], "timed next to every variant"),
      (["export-onnx", "--out", "/tmp/never.onnx"], "--onnx FILE"),
      (
        ["export-onnx", "--onnx", "small-cnn.onnx", "--variant", "merged", "--out", "/tmp/never.onnx"],
        "writes lrd"
      ),
    ])
  func badInput(arguments: [String], message: String) throws {
    let resolved = arguments.map { $0.hasSuffix(".onnx") ? onnxFixture($0) : $0 }
    let outcome = try runTool(resolved)
    #expect(outcome.status == 64 && outcome.stderr.contains(message), "\(outcome.stderr)")
  }
}
