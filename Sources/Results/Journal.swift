import Foundation
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// An append-only JSON-lines journal of a run (`points.jsonl`): one line per measured point,
/// written and fsynced as soon as it is measured, so an interrupted or killed run keeps everything
/// it measured and `--resume` continues it.
///
/// The first line is a header naming the plan's digest; every entry line carries it too, so a
/// journal can never be resumed under another plan. The file is opened with O_APPEND. On open, a
/// torn last line (a crash or a full disk mid-write) is cut off and reported, so the next record
/// starts on a line of its own; a damaged line anywhere else is an error, never skipped silently.
package final class Journal<Entry: Codable> {
  /// The journal file's path.
  package let path: String
  /// The digest of the plan every entry belongs to.
  package let plan: String
  /// The entries already in the file when it was opened.
  package let entries: [Entry]
  /// Bytes of a torn last line removed on open (0 when the file ended cleanly).
  package let repairedBytes: Int
  /// Lines that repeated an earlier line exactly (a copied or re-appended record), dropped on open.
  package let duplicateLines: Int
  private let descriptor: FileDescriptor

  struct Header: Codable {
    var journal: String
    var plan: String
  }

  struct Line: Codable {
    var plan: String
    var entry: Entry
  }

  static var schema: String { "lrd-bench/journal@1" }

  /// Opens (creating if needed) the journal at `path` for the plan with digest `plan`.
  ///
  /// Writes the header of a new journal at once, which also proves the file is writable before any
  /// measurement.
  package init(path: String, plan: String) throws(ResultsError) {
    self.path = path
    self.plan = plan
    let filePath = FilePath(path)
    let fd: FileDescriptor
    do {
      fd = try FileDescriptor.open(
        filePath, .readWrite, options: [.create, .append, .closeOnExec],
        permissions: [.ownerReadWrite, .groupRead, .otherRead])
    } catch let errno as Errno {
      throw .io(path: path, operation: "open the journal", errno: errno)
    } catch {
      throw .io(path: path, operation: "open the journal", errno: .ioError)
    }
    descriptor = fd
    // A device or FIFO would read forever (/dev/zero, /dev/full) or block: a journal is a file.
    var status = stat()
    guard fstat(fd.rawValue, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
      try? fd.close()
      throw .corrupt(path: path, reason: "not a regular file; give a directory on a file system")
    }
    var content: [UInt8]
    do {
      content = try Self.readAll(fd)
    } catch {
      try? fd.close()
      throw .io(path: path, operation: "read", errno: error)
    }
    // Cut a torn tail: everything after the last newline.
    var repaired = 0
    if let last = content.lastIndex(of: 0x0A), last < content.count - 1 {
      repaired = content.count - last - 1
      content.removeSubrange((last + 1)...)
    } else if !content.isEmpty && content.last != 0x0A {
      repaired = content.count
      content = []
    }
    if repaired > 0 {
      do {
        try fd.resize(to: Int64(content.count))
      } catch {
        try? fd.close()
        throw .io(
          path: path, operation: "truncate the torn last line of", errno: (error as? Errno) ?? .ioError)
      }
    }
    repairedBytes = repaired
    let lines = content.split(separator: 0x0A, omittingEmptySubsequences: true)
    var read: [Entry] = []
    var seen: Set<ArraySlice<UInt8>> = []
    var duplicates = 0
    do {
      if let first = lines.first {
        let header = try JSONCoding.decoder.decode(Header.self, from: Data(first))
        guard header.journal == Self.schema else {
          throw ResultsError.corrupt(path: path, reason: "unknown journal format \(header.journal)")
        }
        guard header.plan == plan else { throw ResultsError.foreignJournal(path: path) }
        for (index, bytes) in lines.dropFirst().enumerated() {
          guard seen.insert(bytes).inserted else {
            duplicates += 1
            continue
          }
          let line: Line
          do {
            line = try JSONCoding.decoder.decode(Line.self, from: Data(bytes))
          } catch {
            throw ResultsError.corrupt(
              path: path, reason: "line \(index + 2) is not a journal entry (\(JSONCoding.problem(error)))")
          }
          guard line.plan == plan else { throw ResultsError.foreignJournal(path: path) }
          read.append(line.entry)
        }
      } else {
        try Self.write(
          try JSONCoding.compactEncoder.encode(Header(journal: Self.schema, plan: plan)), to: fd, path: path)
      }
    } catch let error as ResultsError {
      try? fd.close()
      throw error
    } catch {
      try? fd.close()
      throw .corrupt(
        path: path, reason: "the header is not an lrd-bench journal header (\(JSONCoding.problem(error)))")
    }
    entries = read
    duplicateLines = duplicates
  }

  deinit { try? descriptor.close() }

  /// Appends one entry as a line and flushes it to disk (fsync) before returning.
  package func append(_ entry: Entry) throws(ResultsError) {
    let data: Data
    do {
      data = try JSONCoding.compactEncoder.encode(Line(plan: plan, entry: entry))
    } catch {
      throw .corrupt(path: path, reason: "cannot encode an entry: \(error)")
    }
    try Self.write(data, to: descriptor, path: path)
  }

  static func write(_ data: Data, to fd: FileDescriptor, path: String) throws(ResultsError) {
    var line = [UInt8](data)
    line.append(0x0A)
    do {
      _ = try fd.writeAll(line)
    } catch let errno as Errno {
      throw .io(path: path, operation: "append to", errno: errno)
    } catch {
      throw .io(path: path, operation: "append to", errno: .ioError)
    }
    if fsync(fd.rawValue) != 0 { throw .io(path: path, operation: "sync", errno: Errno(rawValue: errno)) }
  }

  static func readAll(_ fd: FileDescriptor) throws(Errno) -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    do {
      _ = try fd.seek(offset: 0, from: .start)
      while true {
        let count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
        if count == 0 { break }
        result.append(contentsOf: chunk[0..<count])
      }
    } catch let errno as Errno {
      throw errno
    } catch {
      throw .ioError
    }
    return result
  }
}

/// A journal's header written (or checked) without reading entries: proves the file is writable
/// when a run directory is created, before anything is measured.
struct JournalHeaderOnly: Codable {}
