import Foundation
import Support

/// A static site in memory: each file's path relative to the site's top and its bytes.
package struct Site: Sendable {
  /// The file a site directory holds to say it is one (and which files it wrote).
  package static let marker = ".lrd-bench-site"

  package var files: [String: Data] = [:]

  package init() {}

  mutating func add(_ path: String, _ text: String) { files[path] = Data(text.utf8) }

  /// The HTML pages' paths, sorted.
  package var pages: [String] { files.keys.filter { $0.hasSuffix(".html") }.sorted() }

  /// Writes the site into `directory`, created when missing.
  ///
  /// A directory that holds anything but a previous site (its marker) is refused untouched. Files of the
  /// previous site that this one no longer has are removed; files the user put there are kept.
  package func write(to directory: String) throws(SiteError) {
    let manager = FileManager.default
    let markerPath = directory + "/" + Self.marker
    var isDirectory: ObjCBool = false
    var previous: [String] = []
    if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else { throw .notASite(path: directory, problem: "is a file") }
      let contents = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
      if !contents.isEmpty {
        guard let listed = manager.contents(atPath: markerPath) else {
          throw .notASite(
            path: directory,
            problem: "holds \(contents.count) entr\(contents.count == 1 ? "y" : "ies") and no \(Self.marker)")
        }
        previous = String(decoding: listed, as: UTF8.self).split(separator: "\n").map(String.init)
      }
    }
    do {
      try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
      for path in previous where files[path] == nil && !path.contains("..") {
        try? manager.removeItem(atPath: directory + "/" + path)
      }
      for (path, data) in files {
        let target = directory + "/" + path
        try manager.createDirectory(
          atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: target), options: .atomic)
      }
      try Data((files.keys.sorted().joined(separator: "\n") + "\n").utf8).write(
        to: URL(fileURLWithPath: markerPath), options: .atomic)
    } catch {
      throw .write(path: directory, reason: error.localizedDescription)
    }
  }
}

/// Errors of publishing: a bad output directory or study directory (bad input), a failed write.
package enum SiteError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The output directory exists and is not a site lrd-bench wrote.
  case notASite(path: String, problem: String)
  /// A study run directory to publish cannot be.
  case runDirectory(path: String, problem: String)
  /// Writing the site failed.
  case write(path: String, reason: String)

  package var description: String {
    switch self {
    case .notASite(let path, let problem):
      return "\(path) \(problem): it is not a site lrd-bench published, so nothing was written there; "
        + "give an empty or new directory, or the directory of an earlier publish"
    case .runDirectory(let path, let problem):
      return "\(path) \(problem)"
    case .write(let path, let reason):
      return "could not write the site into \(path): \(reason)"
    }
  }

  package var isBadInput: Bool {
    switch self {
    case .notASite, .runDirectory: return true
    case .write: return false
    }
  }
}
