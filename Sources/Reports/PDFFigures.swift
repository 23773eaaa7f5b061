import Foundation
import Results

/// PDF copies of a run's SVG figures (`name.svg` → `name.pdf`, for a paper), made by `rsvg-convert` from
/// Debian's librsvg2-bin when it is installed.
package enum PDFFigures {
  /// `rsvg-convert` on the PATH, nil when it is not installed.
  package static var converter: String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/rsvg-convert" }.first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
  }

  /// What the reports say about the PDFs: which were made, or why none were.
  package static func sentence(_ figures: [String]) -> String {
    let pdfs = figures.map { $0.replacingOccurrences(of: ".svg", with: ".pdf") }
    return converter == nil
      ? "PDF copies of the figures: not made — rsvg-convert is not installed (Debian package librsvg2-bin)."
      : "PDF copies of the figures: " + pdfs.joined(separator: ", ") + " (by rsvg-convert)."
  }

  /// Converts each of `figures` (SVG files in `directory`) to PDF beside it.
  ///
  /// Does nothing without the converter. Returns the figures that failed to convert, with the converter's exit status.
  @discardableResult
  package static func convert(_ figures: [String], in directory: RunDirectory) -> [(
    figure: String, status: Int32
  )] {
    guard let converter else { return [] }
    var failures: [(String, Int32)] = []
    for figure in figures {
      let source = directory.url.appendingPathComponent(figure).path
      let target = directory.url.appendingPathComponent(figure.replacingOccurrences(of: ".svg", with: ".pdf"))
        .path
      let process = Process()
      process.executableURL = URL(fileURLWithPath: converter)
      process.arguments = ["-f", "pdf", "-o", target, source]
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      do {
        try process.run()
        process.waitUntilExit()
        if process.terminationStatus != 0 { failures.append((figure, process.terminationStatus)) }
      } catch {
        failures.append((figure, -1))
      }
    }
    return failures
  }
}
