import Support

package enum SamplerError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// A setting's value is out of range; the setting and the problem, so the command line can name its option.
  case invalidSetting(InvalidSetting)

  case invalid(String)
  /// The message printed for this error: the bad setting and its valid range.
  package var description: String {
    switch self {
    case .invalidSetting(let setting): return setting.description
    case .invalid(let message): return message
    }
  }

  /// `setting`'s value is wrong as `problem` says (read after the setting's name).
  package static func setting(_ setting: Setting, _ problem: String) -> Self {
    .invalidSetting(InvalidSetting(setting, problem))
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}
