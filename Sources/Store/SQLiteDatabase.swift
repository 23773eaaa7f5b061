import CSQLite
import Foundation

/// One SQLite connection: the only owner of its `sqlite3` handle (closed in `deinit`).
///
/// Every C call goes through `check`, which maps result codes to `StoreError`. Statements live only inside
/// `withStatement`. Not thread-safe: one connection per thread (SQLite's WAL makes several processes safe).
final class SQLiteDatabase {
  let path: String
  private let handle: OpaquePointer

  /// Opens the database at `path` with a 10 s busy timeout: for writing in WAL mode (creating the
  /// file when `create`), or read-only.
  ///
  /// A read-only connection in a directory it cannot write to opens the file as immutable (SQLite
  /// cannot create the WAL index there; nobody can write the store in WAL mode there either).
  /// `immutable` overrides that choice (nil: decided by the directory's permissions).
  init(path: String, readOnly: Bool = false, create: Bool = true, immutable: Bool? = nil) throws(StoreError) {
    self.path = path
    var db: OpaquePointer?
    var flags = SQLITE_OPEN_NOMUTEX
    var name = path
    if readOnly {
      flags |= SQLITE_OPEN_READONLY
      let directory = (path as NSString).deletingLastPathComponent
      if immutable
        ?? (access(directory.isEmpty ? "." : directory, W_OK) != 0 && access(path + "-wal", F_OK) != 0)
      {
        flags |= SQLITE_OPEN_URI
        name = "file:" + Self.uriEscaped(path) + "?immutable=1"
      }
    } else {
      flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
    }
    let code = sqlite3_open_v2(name, &db, flags, nil)
    guard code == SQLITE_OK, let db else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
      if let db { sqlite3_close_v2(db) }
      throw .sqlite(path: path, code: code, message: message)
    }
    handle = db
    sqlite3_busy_timeout(db, 10_000)
    do {
      // The first read of a non-database file fails with SQLITE_NOTADB.
      if readOnly {
        try execute("SELECT count(*) FROM sqlite_schema")
      } else {
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = NORMAL")
      }
      try execute("PRAGMA foreign_keys = ON")
    } catch {
      sqlite3_close_v2(db)
      throw error
    }
  }

  deinit { sqlite3_close_v2(handle) }

  /// `path` as the path of a `file:` URI (`%`, `?` and `#` percent-encoded).
  static func uriEscaped(_ path: String) -> String {
    path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "?", with: "%3F")
      .replacingOccurrences(of: "#", with: "%23")
  }

  /// Maps a result code to an error (SQLITE_OK, SQLITE_ROW and SQLITE_DONE pass).
  @discardableResult
  func check(_ code: Int32) throws(StoreError) -> Int32 {
    switch code {
    case SQLITE_OK, SQLITE_ROW, SQLITE_DONE: return code
    case SQLITE_NOTADB: throw .notADatabase(path: path)
    case SQLITE_CORRUPT: throw .corrupt(path: path, detail: String(cString: sqlite3_errmsg(handle)))
    default: throw .sqlite(path: path, code: code, message: String(cString: sqlite3_errmsg(handle)))
    }
  }

  /// Runs SQL without results (several statements allowed).
  func execute(_ sql: String) throws(StoreError) {
    try check(sqlite3_exec(handle, sql, nil, nil, nil))
  }

  /// Runs `body` in an IMMEDIATE transaction (committed when it returns, rolled back when it throws).
  func transaction<T>(_ body: () throws -> T) throws -> T {
    try execute("BEGIN IMMEDIATE")
    do {
      let value = try body()
      try execute("COMMIT")
      return value
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  /// The rowid of the last insert.
  var lastInsertID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// Prepares `sql`, binds `values` (Int, Int64, Double, String, nil), calls `body` with the
  /// statement, and finalizes it.
  func withStatement<T>(_ sql: String, _ values: [SQLValue], _ body: (Statement) throws -> T) throws -> T {
    var raw: OpaquePointer?
    try check(sqlite3_prepare_v2(handle, sql, -1, &raw, nil))
    guard let raw else {
      throw StoreError.sqlite(path: path, code: SQLITE_MISUSE, message: "empty statement")
    }
    defer { sqlite3_finalize(raw) }
    let statement = Statement(raw: raw, database: self)
    for (index, value) in values.enumerated() { try statement.bind(value, at: Int32(index + 1)) }
    return try body(statement)
  }

  /// Runs a statement that returns no rows.
  func run(_ sql: String, _ values: [SQLValue] = []) throws {
    try withStatement(sql, values) { statement in _ = try statement.step() }
  }

  /// Every row of a query, mapped by `row`.
  func query<T>(_ sql: String, _ values: [SQLValue] = [], row: (Statement) throws -> T) throws -> [T] {
    try withStatement(sql, values) { statement in
      var rows: [T] = []
      while try statement.step() { rows.append(try row(statement)) }
      return rows
    }
  }
}

/// A value bound to a statement parameter.
enum SQLValue {
  case integer(Int64)
  case real(Double)
  case text(String)
  case null

  static func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }
}

/// A prepared statement, valid only inside `SQLiteDatabase.withStatement`.
struct Statement {
  let raw: OpaquePointer
  let database: SQLiteDatabase

  func bind(_ value: SQLValue, at index: Int32) throws(StoreError) {
    switch value {
    case .integer(let v): try database.check(sqlite3_bind_int64(raw, index, v))
    case .real(let v): try database.check(sqlite3_bind_double(raw, index, v))
    case .text(let v): try database.check(sqlite3_bind_text(raw, index, v, -1, lrd_sqlite_transient()))
    case .null: try database.check(sqlite3_bind_null(raw, index))
    }
  }

  /// Advances; true while a row is available.
  func step() throws(StoreError) -> Bool {
    try database.check(sqlite3_step(raw)) == SQLITE_ROW
  }

  func int(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
  func double(_ column: Int32) -> Double { sqlite3_column_double(raw, column) }
  func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }
  func text(_ column: Int32) -> String? {
    guard let pointer = sqlite3_column_text(raw, column) else { return nil }
    return String(cString: pointer)
  }
}
