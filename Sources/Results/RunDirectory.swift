import Foundation
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// What `run.json` records about a run directory: the kind of run, the file holding its plan and
/// the plan's digest, so a directory is never reused for another run and `--resume` can say what a
/// directory holds.
package struct RunManifest: Codable, Sendable, Equatable {
  /// The schema string written to `run.json`.
  package static let schemaVersion = "lrd-bench/run@1"
  /// The schema of this manifest (`schemaVersion` when written by this build).
  package var schema: String
  /// The kind of run: "sweep", "ranks", "branches", "table" and so on.
  package var kind: String
  /// The file of the directory that holds the run's plan (for example `plan.json`).
  package var planFile: String
  /// The plan's digest: a directory holding another plan is never reused.
  package var plan: String
  /// ISO 8601 creation time.
  package var created: String
  /// The plan as it was when the run began (compact JSON), so an edited plan file is caught on resume
  /// and its changed fields named (nil in directories written before it was recorded).
  package var planText: String?

  /// The manifest of a run created now.
  static func new(kind: String, planFile: String, plan: String, planText: String?) -> RunManifest {
    RunManifest(
      schema: schemaVersion, kind: kind, planFile: planFile, plan: plan,
      created: ISO8601DateFormatter().string(from: Date()), planText: planText)
  }
}

/// A directory holding one run: its manifest (`run.json`), its plan, a journal and the report files.
///
/// * Created only after every option was validated, and never over another run: a path naming a
///   directory that holds a run is an error that names the differing plan fields; default names
///   (`results/<kind>/<name>-<UTC time>`) get a numeric suffix when taken.
/// * Locked (`flock` on `.lock`, held while this object lives): a second run on the same directory
///   fails at once instead of interleaving writes.
/// * Every file is written atomically (temporary file, fsync, rename, fsync of the directory).
package final class RunDirectory: Sendable {
  package let url: URL
  /// What `run.json` says about the run.
  package let manifest: RunManifest
  private let lock: FileDescriptor?

  /// The directory's path as a string.
  package var path: String { url.path }

  private init(url: URL, manifest: RunManifest, lock: FileDescriptor?) {
    self.url = url
    self.manifest = manifest
    self.lock = lock
  }

  deinit { try? lock?.close() }

  /// Creates a new run directory for `plan` at `path`, or at `results/<kind, plural>/<name>-<UTC time>`
  /// (results/sweeps, results/ranks, results/branches, …) when `path` is nil, writes `run.json` and the plan, and locks it.
  package static func create<Plan: Encodable>(
    at path: String?, kind: String, name: String, planFile: String, plan: Plan
  ) throws(ResultsError) -> RunDirectory {
    let digest = try encodeDigest(plan)
    let url: URL
    let lock: FileDescriptor
    if let path {
      guard !path.isEmpty else { throw .emptyPath(.output) }
      url = URL(fileURLWithPath: path, isDirectory: true)
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw .io(path: url.path, operation: "use", errno: .notDirectory) }
      } else {
        try makeDirectory(url)
      }
      // Lock first, then look: two runs racing for one directory cannot both pass the check.
      lock = try acquireLock(url)
      do {
        try checkVacant(url, kind: kind, plan: plan, digest: digest)
      } catch {
        try? lock.close()
        throw error
      }
    } else {
      url = try makeUnique(base: "results/\(kind.hasSuffix("s") ? kind : kind + "s")/\(name)-\(timestamp())")
      lock = try acquireLock(url)
    }
    let directory = RunDirectory(
      url: url, manifest: .new(kind: kind, planFile: planFile, plan: digest, planText: planText(plan)),
      lock: lock)
    try directory.writeJSON(plan, to: planFile)
    try directory.writeJSON(directory.manifest, to: "run.json")
    _ = try directory.journal(JournalHeaderOnly.self)
    return directory
  }

  /// The plan saved in the run directory at `path` (which must hold a run of `kind`), read without
  /// locking, so it can be validated before anything else happens.
  package static func savedPlan<Plan: Codable>(
    _ path: String, kind: String, planFile: String, as type: Plan.Type
  )
    throws(ResultsError) -> Plan
  {
    try open(path, kind: kind, planFile: planFile, as: type).2
  }

  /// Opens the run directory at `path` to continue it: it must hold a run of `kind`; returns it (locked)
  /// with its saved plan (to be validated by the caller exactly as command-line options are).
  package static func resume<Plan: Codable>(
    _ path: String, kind: String, planFile: String, as type: Plan.Type
  ) throws(ResultsError) -> (directory: RunDirectory, plan: Plan) {
    let (url, manifest, plan) = try open(path, kind: kind, planFile: planFile, as: type)
    return (RunDirectory(url: url, manifest: manifest, lock: try acquireLock(url)), plan)
  }

  static func open<Plan: Codable>(_ path: String, kind: String, planFile: String, as type: Plan.Type)
    throws(ResultsError) -> (URL, RunManifest, Plan)
  {
    guard !path.isEmpty else { throw .emptyPath(.resume) }
    let url = URL(fileURLWithPath: path, isDirectory: true)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      throw .notARun(path: path, reason: "no such directory")
    }
    guard let manifest = try readManifest(url) else {
      throw .notARun(path: path, reason: "not an lrd-bench run directory (no run.json)")
    }
    guard manifest.kind == kind else { throw .wrongKind(path: path, expected: kind, found: manifest.kind) }
    let planURL = url.appendingPathComponent(manifest.planFile)
    guard let data = FileManager.default.contents(atPath: planURL.path) else {
      throw .notARun(
        path: path,
        reason: "its plan file \(manifest.planFile) is missing; the run cannot be continued without it")
    }
    let plan: Plan
    do {
      plan = try JSONCoding.decoder.decode(Plan.self, from: data)
    } catch {
      throw .corrupt(path: planURL.path, reason: JSONCoding.problem(error))
    }
    try checkUnchanged(plan, data: data, manifest: manifest, file: planURL.path)
    return (url, manifest, plan)
  }

  /// The plan file still holds the plan the run began with: its fields equal the copy in `run.json`
  /// (the changed ones are named), or, in directories without a copy, its digest is the manifest's.
  static func checkUnchanged<Plan: Encodable>(_ plan: Plan, data: Data, manifest: RunManifest, file: String)
    throws(ResultsError)
  {
    if let text = manifest.planText,
      let saved = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]),
      let now = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    {
      var differences: [String] = []
      PlanIdentity.compare(saved, now, path: "", into: &differences)
      guard differences.isEmpty else { throw .alteredPlan(path: file, differences: differences) }
      return
    }
    guard try encodeDigest(plan) == manifest.plan else {
      throw .alteredPlan(path: file, differences: ["digest: \(manifest.plan) → \(try encodeDigest(plan))"])
    }
  }

  /// The plan's canonical compact JSON, kept in the manifest.
  static func planText<Plan: Encodable>(_ plan: Plan) -> String? {
    (try? JSONCoding.compactEncoder.encode(plan)).map { String(decoding: $0, as: UTF8.self) }
  }

  /// A run inside this one (for example each layer's sweep of a `ranks` run), covered by this directory's
  /// lock: created when missing; reused when it holds the same plan (resume); an error otherwise.
  package func child<Plan: Encodable>(_ name: String, kind: String, planFile: String, plan: Plan)
    throws(ResultsError) -> RunDirectory
  {
    let digest = try Self.encodeDigest(plan)
    let childURL = url.appendingPathComponent(name, isDirectory: true)
    if let existing = try Self.readManifest(childURL) {
      guard existing.kind == kind, existing.plan == digest else {
        throw .occupied(
          path: childURL.path, kind: existing.kind, differences: ["plan digest: \(existing.plan) → \(digest)"]
        )
      }
      return RunDirectory(url: childURL, manifest: existing, lock: nil)
    }
    try Self.makeDirectory(childURL)
    let directory = RunDirectory(
      url: childURL,
      manifest: .new(kind: kind, planFile: planFile, plan: digest, planText: Self.planText(plan)), lock: nil)
    try directory.writeJSON(plan, to: planFile)
    try directory.writeJSON(directory.manifest, to: "run.json")
    return directory
  }

  /// The run's journal (`points.jsonl` by default), tied to the plan's digest.
  package func journal<Entry: Codable>(_ type: Entry.Type, name: String = "points.jsonl") throws(ResultsError)
    -> Journal<Entry>
  {
    try Journal(path: url.appendingPathComponent(name).path, plan: manifest.plan)
  }

  /// Writes `data` to `name` atomically: temporary file, fsync, rename over the target, fsync of the
  /// directory.
  ///
  /// Readers see the old file or the new one, never a mix; a crash leaves no torn file.
  package func write(_ data: Data, to name: String) throws(ResultsError) {
    let target = url.appendingPathComponent(name).path
    try OutputFile.replace(target, with: data, reportedAs: target)
  }

  /// Writes a string (UTF-8) atomically.
  package func write(_ text: String, to name: String) throws(ResultsError) {
    try write(Data(text.utf8), to: name)
  }

  /// Encodes `value` as pretty JSON and writes it atomically.
  package func writeJSON<T: Encodable>(_ value: T, to name: String) throws(ResultsError) {
    let data: Data
    do {
      data = try JSONCoding.encoder.encode(value)
    } catch {
      throw .corrupt(path: url.appendingPathComponent(name).path, reason: "cannot encode: \(error)")
    }
    try write(data, to: name)
  }

  /// Reads and decodes a JSON file of the directory.
  package func read<T: Decodable>(_ type: T.Type, from name: String) throws(ResultsError) -> T {
    let file = url.appendingPathComponent(name)
    guard let data = FileManager.default.contents(atPath: file.path) else {
      throw .corrupt(path: file.path, reason: "no such file")
    }
    do {
      return try JSONCoding.decoder.decode(T.self, from: data)
    } catch {
      throw .corrupt(path: file.path, reason: JSONCoding.problem(error))
    }
  }

  // MARK: - Creation helpers

  static func encodeDigest<Plan: Encodable>(_ plan: Plan) throws(ResultsError) -> String {
    do {
      return try PlanIdentity.digest(plan)
    } catch {
      throw .corrupt(path: "plan", reason: "cannot encode: \(error)")
    }
  }

  /// `--out` given: an empty directory is used; one holding a run, or other files, is refused.
  static func checkVacant<Plan: Encodable>(_ url: URL, kind: String, plan: Plan, digest: String)
    throws(ResultsError)
  {
    if let existing = try readManifest(url) {
      var differences: [String] = []
      if existing.kind != kind {
        differences = ["kind: \(existing.kind) → \(kind)"]
      } else if existing.plan != digest,
        let data = FileManager.default.contents(atPath: url.appendingPathComponent(existing.planFile).path),
        let saved = try? JSONSerialization.jsonObject(with: data),
        let new = try? PlanIdentity.object(plan)
      {
        PlanIdentity.compare(saved, new, path: "", into: &differences)
      }
      throw .occupied(path: url.path, kind: existing.kind, differences: differences)
    }
    let contents = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter {
      $0 != ".lock"
    }
    guard contents.isEmpty else { throw .notEmpty(path: url.path) }
  }

  /// The kind of run the directory at `path` holds ("sweep", "ranks", …), nil when it holds none.
  package static func kind(at path: String) -> String? {
    (try? readManifest(URL(fileURLWithPath: path, isDirectory: true)))??.kind
  }

  static func readManifest(_ url: URL) throws(ResultsError) -> RunManifest? {
    let file = url.appendingPathComponent("run.json")
    guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
    do {
      return try JSONCoding.decoder.decode(RunManifest.self, from: data)
    } catch {
      throw .corrupt(path: file.path, reason: "not an lrd-bench run manifest (\(JSONCoding.problem(error)))")
    }
  }

  static func makeDirectory(_ url: URL) throws(ResultsError) {
    // A file where a directory of the path should be: say so (Foundation reports it as a permission problem).
    var ancestor = url.deletingLastPathComponent()
    while ancestor.path != "/" && !FileManager.default.fileExists(atPath: ancestor.path) {
      ancestor = ancestor.deletingLastPathComponent()
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      throw .fileInPath(path: url.path, file: ancestor.path)
    }
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    } catch {
      throw .io(
        path: url.path, operation: "create the directory", errno: posixErrno(error) ?? .permissionDenied)
    }
  }

  /// Creates `base`, or `base-2`, `base-3`, … whichever does not exist yet (mkdir is exclusive, so two
  /// runs started in the same second get different directories).
  static func makeUnique(base: String) throws(ResultsError) -> URL {
    let parent = URL(fileURLWithPath: base).deletingLastPathComponent()
    try makeDirectory(parent)
    for attempt in 1...1000 {
      let candidate = attempt == 1 ? base : "\(base)-\(attempt)"
      if mkdir(candidate, 0o755) == 0 { return URL(fileURLWithPath: candidate, isDirectory: true) }
      let failure = Errno(rawValue: errno)
      if failure != .fileExists {
        throw .io(path: candidate, operation: "create the directory", errno: failure)
      }
    }
    throw .io(path: base, operation: "find a free name for", errno: .fileExists)
  }

  /// Takes the directory's exclusive lock (non-blocking) and records this process in it.
  static func acquireLock(_ url: URL) throws(ResultsError) -> FileDescriptor {
    let path = url.appendingPathComponent(".lock").path
    let fd: FileDescriptor
    do {
      fd = try FileDescriptor.open(
        FilePath(path), .readWrite, options: [.create, .closeOnExec],
        permissions: [.ownerReadWrite, .groupRead, .otherRead])
    } catch {
      throw .io(path: path, operation: "create the lock file", errno: (error as? Errno) ?? .ioError)
    }
    if flock(fd.rawValue, LOCK_EX | LOCK_NB) != 0 {
      let failure = Errno(rawValue: errno)
      let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
      try? fd.close()
      if failure == .wouldBlock || failure == .resourceTemporarilyUnavailable {
        throw .locked(
          path: url.path, holder: holder.map { $0.isEmpty ? "unknown process" : $0 } ?? "unknown process")
      }
      throw .io(path: path, operation: "lock", errno: failure)
    }
    _ = try? fd.resize(to: 0)
    _ = try? fd.writeAll(Array("pid \(getpid())\n".utf8))
    return fd
  }

  /// The current UTC time as directory names carry it, `yyyyMMdd-HHmmss`.
  package static func timestamp() -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date())
  }

  /// The POSIX errno inside a Foundation error, if any.
  static func posixErrno(_ error: any Error) -> Errno? {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return Errno(rawValue: Int32(ns.code)) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
    {
      return Errno(rawValue: Int32(underlying.code))
    }
    return nil
  }
}
