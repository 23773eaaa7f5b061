import CSQLite
import Foundation

/// The results store: one SQLite file (default `results/lrd-bench.sqlite`) holding every run of
/// every suite with its fingerprint, machine key, every point with all raw samples, and the
/// baseline per machine key; A/B runs with both builds' per-round samples; the baseline commit per machine.
///
/// Schema versioned with `PRAGMA user_version` and applied by migrations in order (a store of a
/// newer schema is refused, never modified). WAL journal and IMMEDIATE transactions make concurrent
/// writers safe; every point is committed on its own, so a crash mid-run keeps what was measured and
/// leaves the run `incomplete`.
package final class ResultStore {
  /// The schema this build writes; migrations bring older stores up to it.
  package static let schemaVersion = 3
  /// The default store path, relative to the working directory.
  package static let defaultPath = "results/lrd-bench.sqlite"

  /// The SQLite file's path.
  package let path: String
  let database: SQLiteDatabase

  /// Migration i takes the schema from version i to i + 1.
  static let migrations: [String] = [
    """
    CREATE TABLE runs(
      id INTEGER PRIMARY KEY,
      suite TEXT NOT NULL,
      suite_digest TEXT NOT NULL,
      label TEXT,
      machine_key TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      status TEXT NOT NULL CHECK (status IN ('incomplete', 'complete')),
      git_commit TEXT NOT NULL,
      build TEXT NOT NULL,
      shard TEXT,
      fingerprint TEXT NOT NULL);
    CREATE INDEX runs_by_machine ON runs(machine_key, id);
    CREATE TABLE points(
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      spec TEXT NOT NULL,
      samples TEXT NOT NULL,
      calls_per_sample INTEGER NOT NULL,
      median REAL NOT NULL,
      ci_low REAL NOT NULL,
      ci_high REAL NOT NULL,
      cv REAL NOT NULL,
      stop_reason TEXT NOT NULL,
      reached_target INTEGER NOT NULL,
      counters TEXT NOT NULL,
      UNIQUE (run_id, name));
    CREATE INDEX points_by_name ON points(name);
    CREATE TABLE baselines(
      machine_key TEXT PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id),
      set_at TEXT NOT NULL);
    """,
    // 1 → 2: A/B runs (two builds interleaved in rounds), their per-round samples, and the baseline commit
    // per machine that the nightly A/B compares HEAD with.
    """
    CREATE TABLE ab_runs(
      id INTEGER PRIMARY KEY,
      suite TEXT NOT NULL,
      suite_digest TEXT NOT NULL,
      label TEXT,
      machine_key TEXT NOT NULL,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      status TEXT NOT NULL CHECK (status IN ('incomplete', 'complete')),
      base TEXT NOT NULL,
      new TEXT NOT NULL,
      rounds INTEGER NOT NULL,
      threshold REAL NOT NULL,
      seed INTEGER NOT NULL,
      fingerprint TEXT NOT NULL);
    CREATE INDEX ab_runs_by_machine ON ab_runs(machine_key, id);
    CREATE TABLE ab_samples(
      id INTEGER PRIMARY KEY,
      ab_run_id INTEGER NOT NULL REFERENCES ab_runs(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      side TEXT NOT NULL CHECK (side IN ('base', 'new')),
      round INTEGER NOT NULL,
      samples TEXT NOT NULL,
      calls_per_sample INTEGER NOT NULL,
      injected REAL NOT NULL,
      error TEXT,
      UNIQUE (ab_run_id, name, side, round));
    CREATE TABLE baseline_commits(
      machine_key TEXT PRIMARY KEY,
      git_commit TEXT NOT NULL,
      set_at TEXT NOT NULL);
    """,
    // 2 → 3: the instruction counts of an A/B run (`ab --instructions`), per case and build.
    """
    CREATE TABLE ab_instructions(
      id INTEGER PRIMARY KEY,
      ab_run_id INTEGER NOT NULL REFERENCES ab_runs(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      base REAL NOT NULL,
      new REAL NOT NULL,
      UNIQUE (ab_run_id, name));
    """,
  ]

  /// Opens the store at `path` for `access`, migrating an older schema.
  ///
  /// Only `.create` makes a missing store, and a missing directory only for the default path
  /// (`results/`); a store opened for writing must pass SQLite's `quick_check` first, so nothing is
  /// measured for a store that cannot take it. Errors: missing, not an SQLite database, corrupt, a
  /// newer schema, I/O.
  package init(path: String = ResultStore.defaultPath, access: Access) throws(StoreError) {
    guard !path.isEmpty else {
      throw .invalid("the results store needs a path; an empty one is not accepted")
    }
    self.path = path
    let directory = (path as NSString).deletingLastPathComponent
    var isDirectory: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
    if isDirectory.boolValue {
      throw .invalid("the results store \(path) is a directory; name an SQLite file")
    }
    if !exists {
      guard access == .create else { throw .missing(path: path) }
      if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
        guard path == Self.defaultPath else { throw .missingDirectory(path: path, directory: directory) }
        do {
          try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
          throw .invalid("cannot create the directory of the store \(path): \(error.localizedDescription)")
        }
      }
    }
    if access == .write || access == .create,
      let system = Self.networkFileSystem(directory.isEmpty ? "." : directory)
    {
      throw .networkFileSystem(path: path, fileSystem: system)
    }
    var database = try SQLiteDatabase(path: path, readOnly: access == .read || access == .readAsIs)
    if access == .readAsIs {
      let version = try Self.version(of: database)
      guard version == Self.schemaVersion else {
        throw .otherSchema(path: path, found: version, supported: Self.schemaVersion)
      }
    } else if access == .read {
      if try Self.version(of: database) < Self.schemaVersion {
        // An older store is migrated once by whoever opens it first, readers included.
        database = try SQLiteDatabase(path: path, create: false)
      }
    } else if exists {
      try Self.checkIntegrity(of: database)
    }
    self.database = database
    try migrate()
  }

  /// How a store is opened.
  package enum Access: Sendable, Equatable {
    /// For reading only (compare, history, export, baseline show): it must exist.
    case read
    /// For reading only, as the file is (publish): a store of another schema version is refused untouched.
    case readAsIs
    /// For reading and writing (baseline set and clear): it must exist.
    case write
    /// For recording runs: created when missing.
    case create
  }

  /// The network file system `directory` is on (nfs, cifs, smb2, lustre, gpfs, beegfs), nil for a local one:
  /// SQLite's locking is not safe there when several machines write one store.
  static func networkFileSystem(_ directory: String) -> String? {
    let type = lrd_filesystem_type(directory)
    guard type >= 0 else { return nil }
    let known: [Int: String] = [
      0x6969: "nfs", 0xFF53_4D42: "cifs", 0xFE53_4D42: "smb2", 0x0BD0_0BD0: "lustre", 0x4750_4653: "gpfs",
      0x1961_0826: "beegfs",
    ]
    return known[Int(UInt32(truncatingIfNeeded: type))]
  }

  /// SQLite's `quick_check`: refuses a store with a damaged page before anything is written to it.
  static func checkIntegrity(of database: SQLiteDatabase) throws(StoreError) {
    let problems: [String]
    do {
      problems = try database.query("PRAGMA quick_check") { $0.text(0) ?? "" }
    } catch let error as StoreError {
      throw error
    } catch {
      throw .invalid("\(error)")
    }
    guard problems == ["ok"] else {
      throw .corrupt(path: database.path, detail: problems.prefix(3).joined(separator: "; "))
    }
  }

  static func version(of database: SQLiteDatabase) throws(StoreError) -> Int {
    do {
      return try database.query("PRAGMA user_version") { Int($0.int(0)) }.first ?? 0
    } catch let error as StoreError {
      throw error
    } catch {
      throw .invalid("\(error)")
    }
  }

  /// The schema version stored in the file.
  package func storedVersion() throws(StoreError) -> Int {
    try Self.version(of: database)
  }

  func migrate() throws(StoreError) {
    let version = try storedVersion()
    guard version <= Self.schemaVersion else {
      throw .newerSchema(path: path, found: version, supported: Self.schemaVersion)
    }
    guard version < Self.schemaVersion else { return }
    do {
      try database.transaction {
        // Re-read inside the transaction: another process may have migrated meanwhile.
        let current = try storedVersion()
        for step in current..<Self.schemaVersion {
          try database.execute(Self.migrations[step])
          try database.execute("PRAGMA user_version = \(step + 1)")
        }
      }
    } catch let error as StoreError {
      throw error
    } catch {
      throw .invalid("migrating \(path): \(error)")
    }
  }

  /// ISO 8601 UTC now.
  package static func now() -> String {
    ISO8601DateFormatter().string(from: Date())
  }
}
