/// What one timed call of a point does.
public enum Mode: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Forward pass only.
  case inference
  /// Forward, backward-data, backward-weights (skipped for frozen factors) and an SGD update.
  case training

  public var description: String { rawValue }
}

/// Which factors of a decomposed layer are frozen (not trained) in training mode.
public enum FrozenFactors: Codable, Sendable, Hashable, CustomStringConvertible {
  /// Every factor is trained.
  case none
  /// The paper's choice (§2.2): the first 1×1 of an SVD pair; the first and last 1×1 of Tucker-2.
  case paper
  /// Explicit factor indices (0-based, execution order).
  case indices([Int])

  /// Parses "none", "paper" or a comma list of factor indices such as "0,2".
  public init(parsing text: String) throws(HarnessError) {
    switch text.lowercased() {
    case "none", "": self = .none
    case "paper": self = .paper
    default:
      let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else {
        throw .invalidOption("--frozen '\(text)': use none, paper, or factor indices such as 0,2")
      }
      self = .indices(parts.map { $0! }.sorted())
    }
  }

  /// The frozen factor indices for a layer with `factorCount` factors.
  public func indices(factorCount: Int) -> Set<Int> {
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

  public var description: String {
    switch self {
    case .none: return "none"
    case .paper: return "paper"
    case .indices(let list): return list.map(String.init).joined(separator: ",")
    }
  }
}

/// Errors raised by the harness (bad options, files, plans).
public enum HarnessError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalidOption(String)
  case io(String)
  case resume(String)

  public var description: String {
    switch self {
    case .invalidOption(let message), .io(let message), .resume(let message): return message
    }
  }
}
