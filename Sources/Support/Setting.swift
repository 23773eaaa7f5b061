/// A value the user chooses (on the command line or in a saved plan), named by what it is rather than how
/// the command line spells it; the command line maps each to its option.
package enum Setting: String, CaseIterable, Sendable, Codable {
  case batch, step, from, to, ratio, threads, policies, referenceEvery, confirmBudget, tieTolerance, frozen
  case branches, models, techniques, ranksPerLayer, ranksFrom, budget, ci, minSampleMilliseconds, variant
  case filter, size, blasCore, backend, passes, strategy, orderSeed
}

/// A setting whose value cannot be used: which setting and what is wrong with its value, including the value
/// and the valid range (for example `.batch`, "must be at least 1, got 0").
package struct InvalidSetting: ClassifiedError, Equatable, Sendable {
  /// The setting whose value is wrong.
  package var setting: Setting
  /// What is wrong, with the value given and the valid values; read after the setting's name.
  package var problem: String

  /// `setting`'s value is wrong as `problem` says.
  package init(_ setting: Setting, _ problem: String) {
    self.setting = setting
    self.problem = problem
  }

  package var isBadInput: Bool { true }

  /// The setting by its plain name, then the problem (the command line names the option instead).
  package var description: String { phrase(setting.rawValue) }

  /// `name` (how the setting is called where the message is shown) followed by the problem.
  package func phrase(_ name: String) -> String {
    problem.hasPrefix(":") ? name + problem : name + " " + problem
  }
}
