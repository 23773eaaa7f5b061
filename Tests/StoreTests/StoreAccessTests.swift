import Foundation
import Testing

@testable import Store

@Suite("Opening the results store")
struct StoreAccessTests {
  @Test(
    "only recording creates a store; reading and writing commands refuse a missing one and create nothing",
    arguments: [ResultStore.Access.read, .write])
  func aMissingStoreIsNotCreated(access: ResultStore.Access) throws {
    let path = temporaryStore("missing")
    let directory = (path as NSString).deletingLastPathComponent
    defer { try? FileManager.default.removeItem(atPath: directory) }
    #expect(throws: StoreError.missing(path: path)) { try ResultStore(path: path, access: access) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
  }

  @Test(
    "a label that could never be selected, or that another run has, is refused",
    arguments: ["", " x", "12", "#12", "ab#3", "latest", "PREVIOUS", "baseline", "taken"])
  func labels(label: String) throws {
    let path = temporaryStore("labels")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    let store = try ResultStore(path: path, access: .create)
    _ = try store.beginRun(run("taken"))
    #expect(throws: StoreError.self, "\(label)") { try store.checkNewLabel(label) }
    try store.checkNewLabel("nightly-12")
  }

  @Test func aMissingDirectoryIsNeverCreated() throws {
    let directory = temporaryStore("parent")
    defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
    let path = directory + "/deeper/store.sqlite"
    #expect(throws: StoreError.missingDirectory(path: path, directory: directory + "/deeper")) {
      try ResultStore(path: path, access: .create)
    }
    #expect(!FileManager.default.fileExists(atPath: directory))
  }

  @Test func aStoreOpenedForReadingCannotBeWritten() throws {
    let path = temporaryStore("read-only")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    _ = try ResultStore(path: path, access: .create).beginRun(run("one"))
    let reader = try ResultStore(path: path, access: .read)
    #expect(try reader.runs().map(\.label) == ["one"])
    #expect(throws: (any Error).self) { try reader.beginRun(run("two")) }
  }

  @Test("a read-only connection in a directory it cannot write opens the file immutable (odd names too)")
  func immutableOpening() throws {
    let path = temporaryStore("odd") + "?x#y%z"
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    _ = try ResultStore(path: path, access: .create).beginRun(run("one"))
    let database = try SQLiteDatabase(path: path, readOnly: true, immutable: true)
    #expect(try database.query("SELECT label FROM runs") { $0.text(0) } == ["one"])
  }

  @Test("a store with a damaged page is refused before anything is recorded in it")
  func aDamagedStoreIsRefusedForWriting() throws {
    let path = temporaryStore("damaged")
    defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
    do {
      let store = try ResultStore(path: path, access: .create)
      for index in 0..<40 {
        let record = try store.beginRun(run("run-\(index)"))
        try store.addPoint(point("p\(index)", Array(repeating: 1.5, count: 200)), to: record.id)
      }
      try store.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
    // Overwrite the b-tree headers of two pages past the schema page with garbage.
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(bytes.count > 6 * 4096)
    for page in [3, 5] {
      for offset in (page * 4096)..<(page * 4096 + 64) { bytes[offset] = 0xA5 }
    }
    try bytes.write(to: URL(fileURLWithPath: path))
    #expect(throws: (any Error).self) { try ResultStore(path: path, access: .create) }
    do {
      _ = try ResultStore(path: path, access: .create)
    } catch {
      guard case .corrupt = error else {
        Issue.record("expected a damaged-store error, got \(error)")
        return
      }
      #expect(!error.isBadInput)
    }
  }
}

@Suite("Merging stores")
struct StoreMergeTests {
  @Test(
    "every run and A/B run of every source is copied with its points; a run or label found twice copies nothing"
  )
  func merge() throws {
    let first = temporaryStore("merge-a")
    let second = temporaryStore("merge-b")
    let target = temporaryStore("merge-into")
    defer {
      for path in [first, second, target] {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
      }
    }
    let a = try ResultStore(path: first, access: .create)
    let one = try a.beginRun(run("node-1"))
    try a.addPoint(point("p/t1", [1, 2, 3]), to: one.id)
    try a.finishRun(one.id, complete: true)
    let b = try ResultStore(path: second, access: .create)
    var other = run("node-2", machine: "m-2")
    other.shard = "2/2"
    let two = try b.beginRun(other)
    try b.addPoint(point("q/t1", [4, 5, 6]), to: two.id)
    let ab = try b.beginABRun(
      ABRunRecord(
        suite: "smoke", suiteDigest: "abc", label: "night-1", machineKey: "m-2", startedAt: "t",
        base: "{\"b\":1}",
        new: "{}", rounds: 4, threshold: 0.03, seed: 9, fingerprint: "{}"))
    let measured = ABMeasurementRecord(
      name: "a/t1", side: .new, round: 1, samples: [0.5, 0.25], callsPerSample: 2, injected: 0.1, error: "x")
    try b.addABMeasurement(measured, to: ab.id)
    try b.finishABRun(ab.id, complete: true)
    let into = try ResultStore(path: target, access: .create)
    #expect(try into.merge([a, b]) == .init(runs: 2, points: 2, abRuns: 1))
    let abRuns = try into.abRuns()
    try #require(abRuns.count == 1, "the A/B run is copied")
    #expect(
      abRuns.map(\.label) == ["night-1"] && abRuns[0].status == .complete && abRuns[0].base == "{\"b\":1}")
    #expect(abRuns[0].finishedAt != nil && abRuns[0].machineKey == "m-2" && abRuns[0].seed == 9)
    #expect(try into.abMeasurements(of: abRuns[0].id) == [measured])
    let runs = try into.runs()
    #expect(runs.map(\.label) == ["node-1", "node-2"] && runs.map(\.machineKey) == ["m-1", "m-2"])
    #expect(runs.map(\.status) == [.complete, .incomplete] && runs[1].shard == "2/2")
    #expect(try into.points(of: runs[1].id).map(\.samples) == [[4, 5, 6]])
    // Merging a source again: the same run twice is refused and nothing more is copied.
    #expect(throws: StoreError.self) { try into.merge([b]) }
    #expect(try into.runs().count == 2 && into.abRuns().count == 1)
    // An A/B run alone found twice is refused too, naming it.
    let again = temporaryStore("merge-ab")
    defer { try? FileManager.default.removeItem(atPath: (again as NSString).deletingLastPathComponent) }
    let d = try ResultStore(path: again, access: .create)
    _ = try d.beginABRun(ab)
    #expect {
      try into.merge([d])
    } throws: {
      "\($0)".contains("A/B run of smoke on m-2 started t")
    }
    #expect(try into.abRuns().count == 1)
  }

  @Test func aLocalDiskIsNotANetworkFileSystem() {
    #expect(ResultStore.networkFileSystem(FileManager.default.temporaryDirectory.path) == nil)
  }
}
