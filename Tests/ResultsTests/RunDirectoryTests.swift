import Foundation
import SystemPackage
import Testing

@testable import Results

struct Plan: Codable, Equatable {
  var layer: String
  var batch: Int
}

struct Entry: Codable, Equatable {
  var id: String
  var value: Double
}

func temporaryPath(_ name: String) -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent(
    "lrd-bench-results-\(name)-\(UUID().uuidString)"
  ).path
}

@Suite("Run directories and journals", .serialized)
struct RunDirectoryTests {
  @Test func aTornLastLineIsCutAndTheNextRecordStartsOnItsOwnLine() throws {
    let path = temporaryPath("torn")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try RunDirectory.create(
      at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    do {
      let journal = try directory.journal(Entry.self)
      try journal.append(Entry(id: "one", value: 1))
      try journal.append(Entry(id: "two", value: 2))
    }
    // A crash or a full disk mid-write leaves half a line.
    let file = path + "/points.jsonl"
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data("{\"entry\":{\"id\":\"thr".utf8))
    try handle.close()
    let reopened = try directory.journal(Entry.self)
    #expect(reopened.entries.map(\.id) == ["one", "two"])
    #expect(reopened.repairedBytes == 19)
    try reopened.append(Entry(id: "three", value: 3))
    #expect(try directory.journal(Entry.self).entries.map(\.id) == ["one", "two", "three"])
  }

  @Test func aDamagedLineInTheMiddleIsAnErrorNotASilentSkip() throws {
    let path = temporaryPath("damaged")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try RunDirectory.create(
      at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    let journal = try directory.journal(Entry.self)
    try journal.append(Entry(id: "one", value: 1))
    var text = try String(contentsOfFile: path + "/points.jsonl", encoding: .utf8)
    text += "not json\n"
    try text.write(toFile: path + "/points.jsonl", atomically: true, encoding: .utf8)
    try journal.append(Entry(id: "two", value: 2))
    #expect(throws: ResultsError.self) { try directory.journal(Entry.self) }
  }

  @Test("an exact repeat of a journal line is dropped and counted, so a point counts once")
  func aRepeatedLineIsDropped() throws {
    let path = temporaryPath("repeated")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try RunDirectory.create(
      at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    try directory.journal(Entry.self).append(Entry(id: "one", value: 1))
    let file = path + "/points.jsonl"
    let line = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")[1]
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data((line + "\n").utf8))
    try handle.close()
    let reopened = try directory.journal(Entry.self)
    #expect(reopened.entries.map(\.id) == ["one"])
    #expect(reopened.duplicateLines == 1)
  }

  @Test("a plan file edited after the run began is refused on resume, naming the changed fields")
  func anEditedPlanIsRefused() throws {
    let path = temporaryPath("edited")
    defer { try? FileManager.default.removeItem(atPath: path) }
    _ = try RunDirectory.create(
      at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    #expect(
      try RunDirectory.resume(path, kind: "sweep", planFile: "plan.json", as: Plan.self).plan.batch == 1)
    let planFile = path + "/plan.json"
    let text = try String(contentsOfFile: planFile, encoding: .utf8)
    try text.replacingOccurrences(of: "\"batch\" : 1", with: "\"batch\" : 2").write(
      toFile: planFile, atomically: true, encoding: .utf8)
    #expect(throws: ResultsError.alteredPlan(path: planFile, differences: ["batch: 1 → 2"])) {
      try RunDirectory.resume(path, kind: "sweep", planFile: "plan.json", as: Plan.self)
    }
    // A directory written before the manifest kept the plan: the digest still catches the edit.
    let manifestFile = path + "/run.json"
    var manifest = try JSONCoding.decoder.decode(
      RunManifest.self, from: Data(contentsOf: URL(fileURLWithPath: manifestFile)))
    manifest.planText = nil
    try JSONCoding.encoder.encode(manifest).write(to: URL(fileURLWithPath: manifestFile))
    #expect(throws: ResultsError.self) {
      try RunDirectory.resume(path, kind: "sweep", planFile: "plan.json", as: Plan.self)
    }
  }

  @Test func journalsBelongToTheirPlan() throws {
    let path = temporaryPath("foreign")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try RunDirectory.create(
      at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    try directory.journal(Entry.self).append(Entry(id: "one", value: 1))
    let line = try String(contentsOfFile: path + "/points.jsonl", encoding: .utf8).split(separator: "\n")[1]
    #expect(line.contains("\"plan\":\"\(directory.manifest.plan)\""), "every entry carries the plan digest")
    #expect(throws: ResultsError.foreignJournal(path: path + "/points.jsonl")) {
      try Journal<Entry>(path: path + "/points.jsonl", plan: "0123456789abcdef")
    }
  }

  @Test func anOccupiedDirectoryIsRefusedWithTheDifferences() throws {
    let path = temporaryPath("occupied")
    defer { try? FileManager.default.removeItem(atPath: path) }
    _ = try RunDirectory.create(
      at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 8))
    let refusal = Result { () throws(ResultsError) -> RunDirectory in
      try RunDirectory.create(
        at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "b", batch: 1))
    }
    guard case .failure(let error) = refusal, case .occupied(_, _, let differences) = error else {
      Issue.record("a different plan was not refused as occupied: \(refusal)")
      return
    }
    #expect(differences == ["batch: 8 → 1", "layer: a → b"])
    #expect(error.description.contains("resume that run"))
    #expect(throws: ResultsError.self) {
      try RunDirectory.create(
        at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 8))
    }
    #expect(throws: ResultsError.wrongKind(path: path, expected: "ranks", found: "sweep")) {
      try RunDirectory.resume(path, kind: "ranks", planFile: "plan.json", as: Plan.self)
    }
  }

  @Test func aSecondRunOnTheSameDirectoryIsLockedOut() throws {
    let path = temporaryPath("lock")
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
      let first = try RunDirectory.create(
        at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
      #expect(throws: ResultsError.self) {
        try RunDirectory.resume(path, kind: "sweep", planFile: "plan.json", as: Plan.self)
      }
      withExtendedLifetime(first) {}
    }
    // Released when the first goes away.
    #expect(throws: Never.self) {
      try RunDirectory.resume(path, kind: "sweep", planFile: "plan.json", as: Plan.self)
    }
  }

  @Test func defaultNamesAreUniqueWithinOneSecond() throws {
    let base = temporaryPath("unique")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let first = try RunDirectory.makeUnique(base: base + "/run")
    let second = try RunDirectory.makeUnique(base: base + "/run")
    #expect(first.path != second.path && second.path.hasSuffix("run-2"))
  }

  @Test func emptyAndNonEmptyPathsAreRefused() throws {
    #expect(throws: ResultsError.emptyPath(.output)) {
      try RunDirectory.create(
        at: "", kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    }
    let path = temporaryPath("full")
    defer { try? FileManager.default.removeItem(atPath: path) }
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    try "mine".write(toFile: path + "/notes.txt", atomically: true, encoding: .utf8)
    #expect(throws: ResultsError.notEmpty(path: path)) {
      try RunDirectory.create(
        at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    }
  }

  @Test func anUnwritableJournalIsFoundBeforeMeasuring() throws {
    let path = temporaryPath("journal-dir")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try RunDirectory.create(
      at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    try FileManager.default.removeItem(atPath: path + "/points.jsonl")
    try FileManager.default.createDirectory(
      atPath: path + "/points.jsonl", withIntermediateDirectories: false)
    #expect(throws: ResultsError.self) { try directory.journal(Entry.self) }
  }

  @Test func aFullDiskSaysSo() {
    // A device is refused before it is read (reading /dev/full returns zeros forever).
    #expect {
      try Journal<Entry>(path: "/dev/full", plan: "0")
    } throws: { error in
      "\(error)".contains("not a regular file")
    }
    let message = ResultsError.io(path: "/x/points.jsonl", operation: "append to", errno: .noSpace)
      .description
    #expect(message == "disk full: cannot append to /x/points.jsonl")
  }

  @Test func atomicWritesReplaceFilesAndLeaveNoTemporaries() throws {
    let path = temporaryPath("atomic")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let directory = try RunDirectory.create(
      at: path, kind: "sweep", name: "x", planFile: "plan.json", plan: Plan(layer: "a", batch: 1))
    try directory.write("first", to: "a.txt")
    try directory.write("second", to: "a.txt")
    #expect(try String(contentsOfFile: path + "/a.txt", encoding: .utf8) == "second")
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".tmp") }
    #expect(leftovers.isEmpty)
  }
}

@Suite("Plan identity")
struct PlanIdentityTests {
  enum Frozen: Codable {
    case none, paper
    case indices([Int])
  }
  struct Holder: Codable { var frozen: Frozen }

  @Test("another enum case is one difference named by its cases, not a field per case")
  func enumCasesReadAsNames() {
    #expect(
      PlanIdentity.differences(saved: Holder(frozen: .none), new: Holder(frozen: .paper)) == [
        "frozen: none → paper"
      ])
    #expect(
      PlanIdentity.differences(saved: Holder(frozen: .paper), new: Holder(frozen: .indices([0, 1])))
        == ["frozen: paper → indices([0,1])"])
  }
}
