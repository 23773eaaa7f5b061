/// Errors raised by the harness: bad options (exit 64) and failed runs (exit 1).
package enum HarnessError: Error, Equatable, Sendable, CustomStringConvertible {
  /// An option or plan value is out of range; the message names it and the valid values.
  case invalidOption(String)
  /// The run needs more memory than the machine has available.
  case insufficientMemory(String)
  /// Something failed while measuring.
  case failed(String)

  /// The message printed for this error: what is wrong and how to fix it.
  package var description: String {
    switch self {
    case .invalidOption(let message), .insufficientMemory(let message), .failed(let message): return message
    }
  }
}
