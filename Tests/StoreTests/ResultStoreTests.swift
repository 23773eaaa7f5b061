import Foundation
import Testing

@testable import Store

/// A store path in a new, empty directory.
func temporaryStore(_ name: String) -> String {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "lrd-bench-store-\(name)-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  return directory.appendingPathComponent("store.sqlite").path
}

func run(_ label: String?, machine: String = "m-1") -> RunRecord {
  RunRecord(
    suite: "smoke", suiteDigest: "abc", label: label, machineKey: machine, startedAt: ResultStore.now(),
    commit: "0123", build: "release", shard: nil, fingerprint: "{}")
}

func point(_ name: String, _ samples: [Double]) -> PointRecord {
  let sorted = samples.sorted()
  return PointRecord(
    name: name, spec: "{}", samples: samples, callsPerSample: 3, median: sorted[sorted.count / 2],
    ciLow: sorted.first!, ciHigh: sorted.last!, cv: 0.01, stopReason: "target", reachedTarget: true,
    counters: "[]")
}

@Suite("Results store")
struct ResultStoreTests {
  @Test func runsPointsAndSamplesRoundTrip() throws {
    let path = temporaryStore("roundtrip")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ResultStore(path: path, access: .create)
    let first = try store.beginRun(run("first"))
    let samples = [0.001, 0.0011, 0.00105, 1e-9, 123.456]
    try store.addPoint(point("a/t1", samples), to: first.id)
    try store.addPoint(point("b/t1", [2, 3, 4]), to: first.id)
    try store.finishRun(first.id, complete: true)
    let stored = try store.points(of: first.id)
    #expect(stored.map(\.name) == ["a/t1", "b/t1"])
    #expect(stored[0].samples == samples, "every raw sample comes back bit for bit")
    #expect(try store.resolve("latest", machine: "m-1").id == first.id)
    #expect(try store.resolve("first", machine: nil).id == first.id)
    #expect(try store.resolve("#\(first.id)", machine: nil).status == .complete)
    // Reopening the file keeps everything (schema already current).
    let reopened = try ResultStore(path: path, access: .create)
    #expect(try reopened.runs().count == 1)
    #expect(try reopened.storedVersion() == ResultStore.schemaVersion)
  }

  @Test func anInterruptedRunStaysIncompleteAndIsNotLatest() throws {
    let path = temporaryStore("incomplete")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ResultStore(path: path, access: .create)
    let done = try store.beginRun(run("done"))
    try store.addPoint(point("a", [1, 2, 3]), to: done.id)
    try store.finishRun(done.id, complete: true)
    // A run that dies after one point: the point is stored, the run stays incomplete.
    let crashed = try store.beginRun(run("crashed"))
    try store.addPoint(point("a", [1, 2, 3]), to: crashed.id)
    #expect(try store.points(of: crashed.id).count == 1)
    #expect(try store.resolve("crashed", machine: nil).status == .incomplete)
    #expect(try store.resolve("latest", machine: "m-1").id == done.id)
    #expect(throws: StoreError.self) { try store.resolve("previous", machine: "m-1") }
  }

  @Test func baselinesArePerMachine() throws {
    let path = temporaryStore("baseline")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ResultStore(path: path, access: .create)
    #expect(throws: StoreError.noBaseline(machine: "m-1")) { try store.baseline(machine: "m-1") }
    let a = try store.beginRun(run("a"))
    try store.finishRun(a.id, complete: true)
    let b = try store.beginRun(run("b", machine: "m-2"))
    try store.finishRun(b.id, complete: true)
    try store.setBaseline(try store.resolve("a", machine: nil))
    try store.setBaseline(try store.resolve("b", machine: nil))
    #expect(try store.baseline(machine: "m-1").id == a.id)
    #expect(try store.baseline(machine: "m-2").id == b.id)
    #expect(try store.resolve("baseline", machine: "m-2").id == b.id)
  }

  @Test func unknownRunsNameWhatExists() throws {
    let path = temporaryStore("unknown")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ResultStore(path: path, access: .create)
    let a = try store.beginRun(run("tuesday"))
    try store.finishRun(a.id, complete: true)
    #expect {
      try store.resolve("wednesday", machine: nil)
    } throws: { error in
      "\(error)".contains("no run 'wednesday'") && "\(error)".contains("tuesday")
    }
  }

  @Test func aFileThatIsNotSQLiteIsRefusedUntouched() throws {
    let path = temporaryStore("garbage")
    let directory = (path as NSString).deletingLastPathComponent
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let garbage = String(repeating: "not a database ", count: 100)
    try garbage.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: StoreError.notADatabase(path: path)) { try ResultStore(path: path, access: .create) }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == garbage)
  }

  @Test func aNewerSchemaIsRefused() throws {
    let path = temporaryStore("newer")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    do {
      let store = try ResultStore(path: path, access: .create)
      try store.database.execute("PRAGMA user_version = 99")
    }
    #expect(throws: StoreError.newerSchema(path: path, found: 99, supported: ResultStore.schemaVersion)) {
      try ResultStore(path: path, access: .create)
    }
  }

  @Test func aCorruptRowIsAnErrorNamingIt() throws {
    let path = temporaryStore("corrupt")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ResultStore(path: path, access: .create)
    let a = try store.beginRun(run("a"))
    try store.addPoint(point("x/t1", [1, 2]), to: a.id)
    try store.database.execute("UPDATE points SET samples = 'garbage'")
    #expect {
      try store.points(of: a.id)
    } throws: { error in
      "\(error)".contains("corrupt point row") && "\(error)".contains("x/t1")
    }
  }

  @Test func twoConnectionsWriteTheSameStore() throws {
    let path = temporaryStore("concurrent")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let one = try ResultStore(path: path, access: .create)
    let two = try ResultStore(path: path, access: .create)
    let a = try one.beginRun(run("a"))
    let b = try two.beginRun(run("b"))
    for i in 0..<20 {
      try one.addPoint(point("p\(i)", [Double(i) + 1]), to: a.id)
      try two.addPoint(point("p\(i)", [Double(i) + 2]), to: b.id)
    }
    try one.finishRun(a.id, complete: true)
    try two.finishRun(b.id, complete: true)
    #expect(try one.points(of: b.id).count == 20)
    #expect(try two.points(of: a.id).count == 20)
    #expect(try one.history(of: "p3", machine: "m-1", since: nil).count == 2)
  }
}

@Suite("Results store: A/B runs")
struct ResultStoreABTests {
  @Test func aVersionOneStoreMigratesKeepingItsRuns() throws {
    let path = temporaryStore("migrate")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    // A store as schema 1 wrote it: only the first migration applied.
    do {
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      let database = try SQLiteDatabase(path: path)
      try database.execute(ResultStore.migrations[0])
      try database.execute("PRAGMA user_version = 1")
      try database.run(
        "INSERT INTO runs(suite, suite_digest, machine_key, started_at, status, git_commit, build, fingerprint) "
          + "VALUES ('smoke', 'abc', 'm-1', 't', 'complete', 'c', 'release', '{}')", [])
    }
    let store = try ResultStore(path: path, access: .create)
    #expect(try store.storedVersion() == ResultStore.schemaVersion)
    #expect(try store.runs().count == 1)
    #expect(try store.abRuns().isEmpty)
  }

  @Test(
    "a reader that must not migrate (publish) refuses an older or newer store, leaving its bytes as they were"
  )
  func readAsIsRefusesOtherSchemas() throws {
    for version in [1, 99] {
      let path = temporaryStore("as-is-\(version)")
      defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
      try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      do {
        let database = try SQLiteDatabase(path: path)
        try database.execute(ResultStore.migrations[0])
        try database.execute("PRAGMA user_version = \(version)")
      }
      let before = try Data(contentsOf: URL(fileURLWithPath: path))
      #expect(
        throws: StoreError.otherSchema(path: path, found: version, supported: ResultStore.schemaVersion)
      ) {
        try ResultStore(path: path, access: .readAsIs)
      }
      #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "schema \(version): untouched")
    }
  }

  @Test func abRunsMeasurementsAndTheBaselineCommitRoundTrip() throws {
    let path = temporaryStore("ab")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ResultStore(path: path, access: .create)
    let run = try store.beginABRun(
      ABRunRecord(
        suite: "smoke", suiteDigest: "abc", label: "night-1", machineKey: "m-1", startedAt: "t", base: "{}",
        new: "{}", rounds: 4, threshold: 0.03, seed: 9, fingerprint: "{}"))
    let samples = [0.001, 0.0012, 1e-9]
    try store.addABMeasurement(
      ABMeasurementRecord(
        name: "a/t1", side: .base, round: 0, samples: samples, callsPerSample: 2, injected: 0),
      to: run.id)
    try store.addABMeasurement(
      ABMeasurementRecord(
        name: "a/t1", side: .new, round: 0, samples: [], callsPerSample: 0, injected: 0.05, error: "crashed"),
      to: run.id)
    // Storing the same build, case and round again replaces it.
    try store.addABMeasurement(
      ABMeasurementRecord(name: "a/t1", side: .base, round: 0, samples: [2], callsPerSample: 1, injected: 0),
      to: run.id)
    let stored = try store.abMeasurements(of: run.id)
    #expect(stored.count == 2)
    #expect(stored.first { $0.side == .new }?.error == "crashed")
    #expect(stored.first { $0.side == .base }?.samples == [2])
    #expect(try store.resolveAB("night-1").id == run.id)
    #expect(try store.resolveAB("ab#\(run.id)").status == .incomplete)
    try store.finishABRun(run.id, complete: true)
    #expect(try store.resolveAB("latest").status == .complete)
    #expect(throws: StoreError.self) { try store.resolveAB("nope") }
    #expect(try store.baselineCommit(machine: "m-1") == nil)
    try store.setBaselineCommit("abc123", machine: "m-1")
    try store.setBaselineCommit("def456", machine: "m-1")
    #expect(try store.baselineCommit(machine: "m-1") == "def456")
  }

  @Test("an A/B run's instruction counts are stored per case, replaced on a repeat, and merged with the run")
  func instructionCounts() throws {
    let path = temporaryStore("instructions")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ResultStore(path: path, access: .create)
    let run = try store.beginABRun(
      ABRunRecord(
        suite: "smoke", suiteDigest: "abc", label: nil, machineKey: "m-1", startedAt: "t", base: "{}",
        new: "{}", rounds: 4, threshold: 0.03, seed: 9, fingerprint: "{}"))
    try store.addABInstructions(
      [
        ABInstructionRecord(name: "a/t1", base: 1000, new: 1100),
        ABInstructionRecord(name: "b/t1", base: 5, new: 5),
      ],
      to: run.id)
    try store.addABInstructions([ABInstructionRecord(name: "a/t1", base: 1000, new: 1010)], to: run.id)
    let counts = try store.abInstructions(of: run.id)
    #expect(Set(counts.map(\.name)) == ["a/t1", "b/t1"] && counts.first { $0.name == "a/t1" }?.new == 1010)
    let merged = try ResultStore(path: temporaryStore("instructions-merged"), access: .create)
    defer { try? FileManager.default.removeItem(atPath: (merged.path as NSString).deletingLastPathComponent) }
    _ = try merged.merge([store])
    let copy = try #require(try merged.abRuns().first)
    #expect(Set(try merged.abInstructions(of: copy.id).map(\.name)) == ["a/t1", "b/t1"])
  }
}
