import Foundation
import Profiling

#if canImport(Glibc)
  import Glibc
#endif

/// Progress of a long run on stderr: a redrawn bar with ETA on a terminal, one plain line per
/// step otherwise (CI logs, pipes). Silent when `enabled` is false.
public final class Progress {
  public let total: Int
  public let enabled: Bool
  private let isTerminal: Bool
  private var done = 0
  private let start = Clock.now()
  private var measuredSeconds = 0.0
  private var measured = 0

  public init(total: Int, enabled: Bool = true) {
    self.total = total
    self.enabled = enabled
    isTerminal = isatty(STDERR_FILENO) == 1
  }

  /// Marks one step done; `skipped` steps (resumed) do not count toward the ETA rate.
  public func step(_ label: String, seconds: Double? = nil, skipped: Bool = false) {
    done += 1
    if let seconds, !skipped {
      measuredSeconds += seconds
      measured += 1
    }
    guard enabled else { return }
    let eta = measured > 0 ? measuredSeconds / Double(measured) * Double(total - done) : 0
    let elapsed = Clock.seconds(since: start)
    if isTerminal {
      let width = 24
      let filled = total > 0 ? width * done / total : width
      let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
      let line = "\r[\(bar)] \(done)/\(total) \(Self.clock(elapsed)) ETA \(Self.clock(eta))  \(label)"
      let clipped = String(line.prefix(150))
      FileHandle.standardError.write(Data((clipped + "\u{1B}[K").utf8))
      if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    } else {
      FileHandle.standardError.write(
        Data("[\(done)/\(total)] \(label) (elapsed \(Self.clock(elapsed)), ETA \(Self.clock(eta)))\n".utf8))
    }
  }

  /// Ends a partially drawn bar line (e.g. on interruption).
  public func finish() {
    if enabled && isTerminal && done < total { FileHandle.standardError.write(Data("\n".utf8)) }
  }

  /// "m:ss" or "h:mm:ss".
  public static func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600
      ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
      : String(format: "%d:%02d", s / 60, s % 60)
  }
}

/// Writes a line to stderr (notes and warnings that must not mix with stdout reports).
public func printError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}
