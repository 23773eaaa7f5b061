import Support

/// Errors in thread configuration and binding.
package enum ThreadConfigError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  case unparsable(String)
  case tooManyThreads(requested: Int, cores: Int)
  case bindingFailed(String)
  /// A thread count listed twice (directly, through `all`, or by overlapping ranges).
  case duplicate(Int)

  /// The message printed for this error: the bad value and the valid range.
  package var description: String {
    switch self {
    case .unparsable(let text):
      return "cannot read thread list '\(text.prefix(40))'; use counts like 1,2 or a range 1-4 or 'all'"
    case .tooManyThreads(let requested, let cores):
      return requested < 1
        ? "thread count \(requested) must be at least 1"
        : "\(requested) threads requested but \(cores) core\(cores == 1 ? " is" : "s are") available here (the machine's, "
          + "or the CPUs this process may use); use 1…\(cores)"
    case .bindingFailed(let message):
      return "binding failed: \(message)"
    case .duplicate(let count):
      return "thread count \(count) is listed twice; list each count once"
    }
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}
