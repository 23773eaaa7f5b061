import Support

/// Which factors of a decomposed layer are frozen (not trained) in training mode.
package enum FrozenFactors: Codable, Sendable, Hashable, CustomStringConvertible {
  /// Every factor is trained.
  case none
  /// The paper's choice (§2.2): the first 1×1 of an SVD pair; the first and last 1×1 of Tucker-2.
  case paper
  /// Explicit factor indices (0-based, execution order).
  case indices([Int])

  /// Parses "none", "paper" or a comma list of factor indices such as "0,2".
  package init(parsing text: String) throws(ProgramError) {
    switch text.lowercased() {
    case "none", "": self = .none
    case "paper": self = .paper
    default:
      guard let indices = CommaList.integers(text), indices.allSatisfy({ (0..<3).contains($0) }) else {
        throw ProgramError.setting(
          .frozen, "'\(text.prefix(40))': use none, paper, or factor indices 0…2 such as 0,2")
      }
      self = .indices(Array(Set(indices)).sorted())
    }
  }

  /// The frozen factor indices for a layer with `factorCount` factors.
  package func indices(factorCount: Int) -> Set<Int> {
    switch self {
    case .none: return []
    case .paper:
      switch factorCount {
      case 2: return [0]
      case 3: return [0, 2]
      default: return []
      }
    case .indices(let list): return Set(list)
    }
  }

  /// The value as `--frozen` spells it.
  package var description: String {
    switch self {
    case .none: return "none"
    case .paper: return "paper"
    case .indices(let list): return list.map(String.init).joined(separator: ",")
    }
  }
}
