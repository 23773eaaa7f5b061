import Support

/// Errors raised by the numerical layer (BLAS, LAPACK, decompositions).
package enum NumericsError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// LAPACK returned `info` from `routine`: negative = argument `-info` was illegal,
  /// positive = the algorithm did not converge.
  case lapack(routine: String, info: Int)
  /// The input holds NaN or ±∞ (`what` names it).
  case nonFinite(what: String)
  /// A shape does not fit the operation.
  case shapeMismatch(String)

  /// The message printed for this error: the routine, its status and what it means.
  package var description: String {
    switch self {
    case .lapack(let routine, let info) where info < 0:
      return "LAPACK \(routine) rejected argument \(-info) (internal error in lrd-bench; please report)"
    case .lapack(let routine, let info):
      return "LAPACK \(routine) did not converge (info = \(info)); the matrix may be ill-conditioned"
    case .nonFinite(let what):
      return "\(what) contains NaN or infinite values; decompose finite weights only"
    case .shapeMismatch(let message):
      return message
    }
  }

  /// Never bad input: a failure (exit 1).
  package var isBadInput: Bool { false }
}
