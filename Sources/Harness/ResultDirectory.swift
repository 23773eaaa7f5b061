import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A results directory: checked for writability before anything is measured, every result file
/// written atomically (temporary file + rename), and a journal (`points.jsonl`, one JSON object
/// per measured point, appended and flushed as soon as the point is measured) so an interrupted
/// run keeps what it measured and `--resume` can continue it.
public final class ResultDirectory {
  public let url: URL
  private var journal: FileHandle?
  static let journalName = "points.jsonl"

  /// Creates the directory if needed and proves it is writable (fails before any measurement).
  public init(path: String) throws(HarnessError) {
    url = URL(fileURLWithPath: path, isDirectory: true)
    do {
      try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
      let probe = url.appendingPathComponent(".write-test-\(ProcessInfo.processInfo.processIdentifier)")
      try Data("ok".utf8).write(to: probe)
      try FileManager.default.removeItem(at: probe)
    } catch {
      throw .io("cannot write to --out \(path): \(error.localizedDescription); choose a writable directory")
    }
  }

  deinit { try? journal?.close() }

  /// Writes `data` to `name` atomically: a temporary file in the same directory, then rename.
  public func write(_ data: Data, to name: String) throws(HarnessError) {
    let target = url.appendingPathComponent(name)
    let temporary = target.deletingLastPathComponent().appendingPathComponent(
      ".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    do {
      try data.write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw .io("cannot write \(target.path): \(error.localizedDescription)")
    }
    // rename(2) replaces the target atomically: readers see the old file or the new one, never a mix.
    if rename(temporary.path, target.path) != 0 {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: temporary)
      throw .io("cannot write \(target.path): \(reason)")
    }
  }

  /// Writes a string (UTF-8) atomically.
  public func write(_ text: String, to name: String) throws(HarnessError) {
    try write(Data(text.utf8), to: name)
  }

  /// Appends one record to the journal and flushes it to disk.
  public func append<T: Encodable>(journal record: T) throws(HarnessError) {
    do {
      if journal == nil {
        let path = url.appendingPathComponent(Self.journalName)
        if !FileManager.default.fileExists(atPath: path.path) {
          FileManager.default.createFile(atPath: path.path, contents: nil)
        }
        journal = try FileHandle(forWritingTo: path)
        try journal?.seekToEnd()
      }
      var line = try JSONCoding.compactEncoder.encode(record)
      line.append(0x0A)
      try journal?.write(contentsOf: line)
      try journal?.synchronize()
    } catch {
      throw .io("cannot append to \(url.appendingPathComponent(Self.journalName).path): \(error)")
    }
  }

  /// Reads every complete record of the journal (a torn last line from a crash is ignored).
  public func readJournal<T: Decodable>(_ type: T.Type) throws(HarnessError) -> [T] {
    let path = url.appendingPathComponent(Self.journalName)
    guard let data = FileManager.default.contents(atPath: path.path) else { return [] }
    var records: [T] = []
    for line in data.split(separator: 0x0A) where !line.isEmpty {
      if let record = try? JSONCoding.decoder.decode(T.self, from: Data(line)) { records.append(record) }
    }
    return records
  }

  /// Reads and decodes a JSON file of the directory.
  public func read<T: Decodable>(_ type: T.Type, from name: String) throws(HarnessError) -> T {
    let path = url.appendingPathComponent(name)
    guard let data = FileManager.default.contents(atPath: path.path) else {
      throw .resume("\(path.path) not found; is \(url.path) a directory written by lrd-bench?")
    }
    do {
      return try JSONCoding.decoder.decode(T.self, from: data)
    } catch {
      throw .resume("cannot read \(path.path): \(error)")
    }
  }

  /// The directory of a run and its plan: with `resume`, the existing directory and the plan saved
  /// in it as `planFile`; otherwise a new plan from `makePlan`, written to `planFile` in `out` (or
  /// the default directory for `kind`/`name(plan)`) before anything is measured.
  public static func open<Plan: Codable>(
    resume: String?, out: String?, planFile: String, kind: String, name: (Plan) -> String,
    makePlan: () throws -> Plan
  ) throws -> (directory: ResultDirectory, plan: Plan) {
    if let resume {
      let directory = try ResultDirectory(path: resume)
      let plan = try directory.read(Plan.self, from: planFile)
      printError("resuming \(resume) with the options saved in its \(planFile)")
      return (directory, plan)
    }
    let plan = try makePlan()
    let directory = try ResultDirectory(path: out ?? defaultPath(kind: kind, name: name(plan)))
    try directory.write(try JSONCoding.encoder.encode(plan), to: planFile)
    return (directory, plan)
  }

  /// A default output directory `results/<kind>/<name>-<UTC timestamp>`.
  public static func defaultPath(kind: String, name: String) -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    formatter.timeZone = TimeZone(identifier: "UTC")
    return "results/\(kind)/\(name)-\(formatter.string(from: Date()))"
  }
}

/// The JSON encoders lrd-bench uses (sorted keys for stable diffs; non-finite numbers as strings).
public enum JSONCoding {
  public static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  public static var compactEncoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  public static var decoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}
