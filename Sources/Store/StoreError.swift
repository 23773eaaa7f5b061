import Support

/// Errors of the results store: bad input (exit 64: not a store, a newer schema, an unknown run or
/// label, comparing a run with itself) and failures (exit 1: I/O, a busy or corrupt database).
package enum StoreError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The file exists but is not an SQLite database.
  case notADatabase(path: String)
  /// The store was written by a newer lrd-bench.
  case newerSchema(path: String, found: Int, supported: Int)
  /// A reader that must not migrate (publishing) found another schema version than this lrd-bench's.
  case otherSchema(path: String, found: Int, supported: Int)
  /// A run id or label that the store does not hold.
  case unknownRun(String, known: [String])
  /// No baseline is set for the machine (compare exits 5).
  case noBaseline(machine: String)
  /// A request that cannot be served (the message names it and the fix).
  case invalid(String)
  /// No store at the path (only recording a run creates one).
  case missing(path: String)
  /// The store's directory does not exist (it is never created, except `results/` for the default store).
  case missingDirectory(path: String, directory: String)
  /// A store to write lies on a network file system, where SQLite's locking is unsafe across machines.
  case networkFileSystem(path: String, fileSystem: String)
  /// SQLite's integrity check found damage (its first findings).
  case corrupt(path: String, detail: String)
  /// SQLite failed (code and message).
  case sqlite(path: String, code: Int32, message: String)

  /// The message printed for this error: the store's path, what failed and the fix.
  package var description: String {
    switch self {
    case .notADatabase(let path):
      return "\(path) is not an lrd-bench results store (not an SQLite database); use another store"
    case .newerSchema(let path, let found, let supported):
      return "\(path) has store schema \(found), newer than this lrd-bench supports (\(supported)); "
        + "use a newer lrd-bench or another store"
    case .otherSchema(let path, let found, let supported):
      return "\(path) has store schema \(found), not this lrd-bench's (\(supported)); it was left untouched: "
        + (found < supported
          ? "migrate it first (any command that reads it, such as lrd-bench history, does) or use another store"
          : "use a newer lrd-bench or another store")
    case .unknownRun(let name, let known):
      return "no run '\(name)' in the store"
        + (known.isEmpty ? " (it holds no runs yet)" : "; known: \(known.joined(separator: ", "))")
    case .noBaseline(let machine):
      return "no baseline is set for machine \(machine); set one with lrd-bench baseline set [RUN]"
    case .invalid(let message):
      return message
    case .missing(let path):
      return
        "no results store at \(path); check the path, or record a run there first with lrd-bench run SUITE"
    case .missingDirectory(let path, let directory):
      return
        "cannot create the results store \(path): the directory \(directory) does not exist; create it first"
    case .networkFileSystem(let path, let system):
      return
        "the results store \(path) is on a network file system (\(system)), where SQLite's locking is not safe "
        + "when several machines write: give each node a store on a local disk and join them afterwards "
        + "(lrd-bench store merge)"
    case .corrupt(let path, let detail):
      return "the results store \(path) is damaged (SQLite quick_check: \(detail)); "
        + "restore it from a copy or use another store"
    case .sqlite(let path, let code, let message):
      return "results store \(path): SQLite error \(code): \(message)"
    }
  }

  /// Whether the error is the user's input rather than a failure.
  package var isBadInput: Bool {
    switch self {
    case .notADatabase, .newerSchema, .otherSchema, .unknownRun, .invalid, .missing, .missingDirectory,
      .networkFileSystem:
      return true
    case .noBaseline, .sqlite, .corrupt: return false
    }
  }
}
