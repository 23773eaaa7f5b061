import Support

/// Errors raised while building a layer or network program: a request that cannot be built (exit 64:
/// an unknown or impossible variant, a factor that does not exist, ranks that do not fit).
package enum ProgramError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// A setting's value is out of range; the setting and the problem, so the command line can name its option.
  case invalidSetting(InvalidSetting)

  /// A variant or layer that cannot be built; the message names it and the valid forms.
  case invalidRequest(String)
  /// Per-layer ranks (`optimized:DIR`) are missing a layer the network needs, or do not fit it.
  case ranks(String)

  /// The message printed for this error: what cannot be built and why.
  package var description: String {
    switch self {
    case .invalidSetting(let setting): return setting.description
    case .invalidRequest(let message), .ranks(let message): return message
    }
  }

  /// `setting`'s value is wrong as `problem` says (read after the setting's name).
  package static func setting(_ setting: Setting, _ problem: String) -> Self {
    .invalidSetting(InvalidSetting(setting, problem))
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}
