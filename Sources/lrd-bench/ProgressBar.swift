import Foundation
import Harness
import Machine
import Reports

#if canImport(Glibc)
  import Glibc
#endif

/// Renders `HarnessEvent`s on stderr: a redrawn bar with elapsed time and ETA on a terminal, one
/// plain line per step otherwise (CI logs, pipes); warnings always; nothing but warnings when quiet.
final class ProgressBar: @unchecked Sendable {
  private let quiet: Bool
  private let isTerminal = isatty(STDERR_FILENO) == 1
  private var label = ""
  private var total = 0
  private var done = 0
  private var start = MonotonicClock.now()
  private var measuredSeconds = 0.0
  private var measured = 0
  private var drawn = false

  init(quiet: Bool) { self.quiet = quiet }

  /// An `EventSink` that renders into this bar.
  var sink: EventSink { { [self] event in handle(event) } }

  func handle(_ event: HarnessEvent) {
    switch event {
    case .phase(let label, let steps):
      finish()
      self.label = label
      total = steps
      done = 0
      start = MonotonicClock.now()
      measuredSeconds = 0
      measured = 0
    case .step(let step):
      done += 1
      if let seconds = step.seconds {
        measuredSeconds += seconds
        measured += 1
      }
      if !quiet { draw(step) }
    case .resumed(let count, let of):
      if !quiet { line("resuming: \(count) of \(of) points already measured") }
    case .warning(let text):
      line("warning: \(text)")
    }
  }

  /// Ends a partially drawn bar (interruption, next phase).
  func finish() {
    if drawn && isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    drawn = false
  }

  private func line(_ text: String) {
    finish()
    printError(text)
  }

  private func draw(_ step: HarnessEvent.Step) {
    let eta = measured > 0 ? measuredSeconds / Double(measured) * Double(max(total - done, 0)) : 0
    let elapsed = MonotonicClock.seconds(since: start)
    let text = "\(label.isEmpty ? "" : label + " ")\(step.name) \(Self.describe(step.detail))"
    if isTerminal {
      let width = 24
      let filled = total > 0 ? min(width, width * done / total) : width
      let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
      let line = "\r[\(bar)] \(done)/\(total) \(Self.clock(elapsed)) ETA \(Self.clock(eta))  \(text)"
      FileHandle.standardError.write(Data((String(line.prefix(160)) + "\u{1B}[K").utf8))
      drawn = true
      if done >= total { finish() }
    } else {
      printError("[\(done)/\(total)] \(text) (elapsed \(Self.clock(elapsed)), ETA \(Self.clock(eta)))")
    }
  }

  static func describe(_ detail: HarnessEvent.Detail) -> String {
    switch detail {
    case .timing(let median, let halfWidth):
      return "\(Format.duration(median)) ±\(Format.percent(halfWidth))"
    case .ratio(let value, let lower, let upper):
      return "t/T \(Format.fixed(value, 3)) [\(Format.fixed(lower, 3)), \(Format.fixed(upper, 3))]"
    case .throughput(let measured, let reference):
      return "\(Format.fixed(measured, 1)) vs \(Format.fixed(reference, 1)) GFLOP/s"
    case .alreadyMeasured:
      return "(already measured)"
    case .none:
      return ""
    }
  }

  /// "m:ss" or "h:mm:ss".
  static func clock(_ seconds: Double) -> String { Format.clock(seconds) }
}

/// Writes a line to stderr (notes and warnings that must not mix with stdout reports).
func printError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}
