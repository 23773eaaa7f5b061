import Support

/// Errors raised when choosing, validating or computing a decomposition.
package enum DecompositionError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  case unparsable(String)
  case wrongFamily(layer: String, factorization: Factorization, hint: String)
  case rankOutOfRange(layer: String, rank: Int, valid: ClosedRange<Int>)
  case branchesDoNotDivide(r1: Int, r2: Int, branches: Int)
  case badBranchCount(Int)
  case badCompressionRatio(Double)
  case numerics(String)

  /// The message printed for this error: the layer, the bad factorization and the valid ranks.
  package var description: String {
    switch self {
    case .unparsable(let text):
      return
        "cannot read factorization '\(text.prefix(40))'; valid forms: original, svd:R, tucker2:R1,R2, branched:R1,R2,N"
    case .wrongFamily(_, let factorization, let hint):
      return "\(factorization) does not fit: \(hint)"
    case .rankOutOfRange(let layer, let rank, let valid):
      return "rank \(rank) is outside the valid range \(valid.lowerBound)…\(valid.upperBound) for \(layer)"
    case .branchesDoNotDivide(let r1, let r2, let n):
      return "\(n) branches must divide both ranks (r1 = \(r1), r2 = \(r2)); "
        + "round the ranks down to multiples of \(n), e.g. \(r1 / n * n),\(r2 / n * n)"
    case .badBranchCount(let n):
      return "the number of branches must be at least 1, got \(n)"
    case .badCompressionRatio(let alpha):
      return
        "compression ratio α must be greater than 1 and at most \(Int(RankSelection.maximumRatio)) "
        + "(α = 2 halves the parameters), got \(alpha)"
    case .numerics(let message):
      return message
    }
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}
