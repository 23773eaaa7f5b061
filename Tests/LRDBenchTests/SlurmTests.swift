import Foundation
import Machine
import Store
import Testing

@testable import lrd_bench

/// The local one-node cluster scripts/test starts (scripts/slurm-local), when it is up.
private let slurmConf: String? = {
  guard let path = ProcessInfo.processInfo.environment["SLURM_CONF"],
    FileManager.default.fileExists(atPath: path)
  else { return nil }
  return path
}()

@Suite("Slurm submission", .serialized)
struct SlurmTests {
  static let study = [
    "ranks", "--filter", "^layer1\\.0\\.conv[123]$", "--threads", "1", "--batch", "1", "--budget", "0.01",
    "--confirm-budget", "0", "--step", "4", "--passes", "1", "--no-backend-check",
  ]

  @Test("job scripts hold the study as quoted words and shard it; sbatch gets an argument vector")
  func scripts() {
    let jobs = SlurmJobs(
      executable: "/opt/lrd bench", command: ["ranks", "--filter", "it's $(rm -rf /)"], shards: 4,
      directory: "/shared/out", partition: "cpu", time: "01:00:00", arrayLimit: 2, exclusive: true)
    #expect(jobs.arrayScript.contains("command=('/opt/lrd bench' 'ranks' '--filter' 'it'\\''s $(rm -rf /)')"))
    #expect(jobs.arrayScript.contains("--shard \"$shard/4\" --out '/shared/out'/shard-\"$shard\""))
    #expect(
      jobs.mergeScript.contains(
        "merge '/shared/out/shard-1' '/shared/out/shard-2' '/shared/out/shard-3' "
          + "'/shared/out/shard-4' --out '/shared/out/merged'"))
    let array = jobs.arrayArguments(script: "/shared/out/shard.sh")
    #expect(
      array.contains("--array=0-3%2") && array.contains("--partition=cpu") && array.contains("--exclusive"))
    #expect(array.contains("--time=01:00:00") && array.last == "/shared/out/shard.sh")
    #expect(jobs.mergeArguments(script: "m.sh", after: "42").contains("--dependency=afterok:42"))
    // A suite's shards each write a store, joined by store merge.
    let suite = SlurmJobs(
      executable: "/bin/lrd-bench", command: ["run", "nightly"], shards: 2, directory: "/shared/s",
      partition: nil, time: nil, arrayLimit: nil)
    #expect(suite.arrayScript.contains("--shard \"$shard/2\" --store '/shared/s'/shard-\"$shard\".sqlite"))
    #expect(
      suite.mergeScript.contains(
        "store merge '/shared/s/shard-1.sqlite' '/shared/s/shard-2.sqlite' --into '/shared/s/merged.sqlite'"))
  }

  @Test(
    "bad submissions exit 64 before anything is submitted",
    arguments: [
      ["submit", "--shards", "2", "--", "ranks"], ["submit", "--slurm", "--shards", "0", "--", "ranks"],
      ["submit", "--slurm", "--shards", "2"],
      ["submit", "--slurm", "--shards", "2", "--", "layers"],
      ["submit", "--slurm", "--shards", "2", "--", "run", "smoke", "--store", "x.sqlite"],
      ["submit", "--slurm", "--shards", "2", "--", "run", "smoke", "--label", "night"],
      ["submit", "--slurm", "--shards", "2", "--", "sweep", "--layer", "fc", "--resume", "x"],
      ["submit", "--slurm", "--shards", "2", "--", "ranks", "--out", "x"],
      ["submit", "--slurm", "--shards", "2", "--time", "soon", "--", "ranks"],
      ["submit", "--slurm", "--shards", "2", "--", "ranks", "--batch", "0x"],
    ])
  func badSubmissions(arguments: [String]) {
    #expect(exitCode(arguments) == 64, "\(arguments)")
  }

  @Test(
    "a Slurm task limited to some CPUs sees and binds only those; outside Slurm a binding is not an allocation",
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset"), "needs taskset (util-linux)"))
  func theAllocationIsRespected() throws {
    func cores(slurm: Bool) throws -> String {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
      process.arguments = ["-c", "0", executable, "topology", "--sgemm-size", "0"]
      var environment = ProcessInfo.processInfo.environment
      environment["SLURM_JOB_ID"] = slurm ? "4242" : nil
      process.environment = environment
      let pipe = Pipe()
      process.standardOutput = pipe
      process.standardError = FileHandle.nullDevice
      try process.run()
      let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      return text.split(separator: "\n").first { $0.hasPrefix("Cores:") }.map(String.init) ?? text
    }
    #expect(try cores(slurm: true).contains("Cores:       1  (core 0: PU 0)"))
    let machine = try Topology().summary.coreCount
    #expect(try cores(slurm: false).hasPrefix("Cores:       \(machine)"), "outside Slurm the machine's cores")
  }

  /// Waits until the local cluster's queue is empty (at most 5 minutes).
  static func drain() throws {
    for _ in 0..<300 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/squeue")
      process.arguments = ["-h"]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let text = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      if text.isEmpty { return }
      Thread.sleep(forTimeInterval: 1)
    }
    Issue.record("the Slurm queue did not drain in 5 minutes")
  }

  static func layers(_ directory: String) throws -> [String] { try resultUnits(directory + "/ranks.json") }

  @Test(
    "a study submitted in 3 shards merges into every layer once, after all shards; a failing shard stops the merge",
    .enabled(if: slurmConf != nil, "needs the local Slurm cluster scripts/test starts (scripts/slurm-local)"))
  func endToEnd() throws {
    let base = temporaryPath("slurm")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let submitted = try runTool(
      ["submit", "--slurm", "--shards", "3", "--out", base + "/ok", "--"] + Self.study)
    #expect(submitted.status == 0, "\(submitted.stderr)")
    try Self.drain()
    #expect(try Self.layers(base + "/ok/merged") == ["layer1.0.conv1", "layer1.0.conv2", "layer1.0.conv3"])
    let merged =
      try FileManager.default.attributesOfItem(atPath: base + "/ok/merged/ranks.json")[.modificationDate]
      as? Date
    for index in 1...3 {
      let shard =
        try FileManager.default.attributesOfItem(atPath: base + "/ok/shard-\(index)/ranks.json")[
          .modificationDate] as? Date
      #expect(shard != nil && merged != nil && shard! <= merged!, "the merge ran after shard \(index)")
    }
    // 4 shards of 3 shapes: shard 4 holds nothing and fails, so the merge job never starts.
    let failing = try runTool(
      ["submit", "--slurm", "--shards", "4", "--out", base + "/bad", "--"] + Self.study)
    #expect(failing.status == 0, "\(failing.stderr)")
    try Self.drain()
    #expect(
      !FileManager.default.fileExists(atPath: base + "/bad/merged"), "the merge job ran after a failed shard")
    let named = try runTool(
      ["merge"] + (1...3).map { base + "/bad/shard-\($0)" } + ["--out", base + "/bad/m"])
    #expect(named.status == 64 && named.stderr.contains("shard 4/4 of 4 missing"), "\(named.stderr)")
  }

  @Test(
    "a suite submitted in 2 shards writes a store per shard, joined by store merge: every case once",
    .enabled(if: slurmConf != nil, "needs the local Slurm cluster scripts/test starts (scripts/slurm-local)"))
  func suiteEndToEnd() throws {
    let base = temporaryPath("slurm-suite")
    defer { try? FileManager.default.removeItem(atPath: base) }
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    let suite = base + "/tiny.yaml"
    try """
    suite: tiny
    defaults: {model: resnet50, batch: 1, threads: [1], budget: 0.05, ci: 0.05}
    points:
      - {name: fc/original, layer: fc}
      - {name: fc/alpha, layer: fc, factorization: alpha}
      - {name: conv1/alpha, layer: layer1.0.conv1, factorization: alpha}
    """.write(toFile: suite, atomically: true, encoding: .utf8)
    let submitted = try runTool(
      ["submit", "--slurm", "--shards", "2", "--out", base + "/jobs", "--", "run", suite, "--rounds", "1"])
    #expect(submitted.status == 0, "\(submitted.stderr)")
    try Self.drain()
    let store = try ResultStore(path: base + "/jobs/merged.sqlite", access: .read)
    let runs = try store.runs()
    #expect(Set(runs.compactMap(\.shard)) == ["1/2", "2/2"], "one run per shard")
    let cases = try runs.flatMap { try store.points(of: $0.id).map(\.name) }
    #expect(cases.sorted() == ["conv1/alpha/t1", "fc/alpha/t1", "fc/original/t1"], "every case once")
  }
}
