import Support

/// Errors raised by the harness: impossible requests (exit 64) and failed runs (exit 1).
package enum HarnessError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// A setting's value is out of range; the setting and the problem, so the command line can name its option.
  case invalidSetting(InvalidSetting)

  /// A request that cannot be served (an unknown name, a directory that holds no usable result, …); the
  /// message names the value and what would be valid.
  case invalidRequest(String)
  /// The run needs more memory than the machine has available: what needs how much, and the setting to
  /// reduce (nil when none applies).
  case insufficientMemory(String, reduce: Setting?)
  /// Something failed while measuring.
  case failed(String)

  /// The message printed for this error: what is wrong and how to fix it.
  package var description: String {
    switch self {
    case .invalidSetting(let setting): return setting.description
    case .insufficientMemory(let message, let setting):
      return message + (setting.map { "; use a smaller \($0.rawValue)" } ?? "")
    case .invalidRequest(let message), .failed(let message): return message
    }
  }

  /// `setting`'s value is wrong as `problem` says (read after the setting's name).
  package static func setting(_ setting: Setting, _ problem: String) -> Self {
    .invalidSetting(InvalidSetting(setting, problem))
  }

  /// Whether this case is bad input (exit 64) rather than a failure (exit 1).
  package var isBadInput: Bool {
    switch self {
    case .invalidRequest, .invalidSetting, .insufficientMemory: return true
    case .failed: return false
    }
  }
}
