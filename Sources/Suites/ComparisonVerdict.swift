/// What a comparison of two builds or two runs concludes about one point, at its band (`compare`: the
/// threshold widened by run-to-run noise; `ab`: the threshold).
package enum ComparisonVerdict: String, Codable, Sendable {
  /// Slower: the ratio's CI lies above 1 + band and the corrected test is significant.
  case regression
  /// Faster: the ratio's CI lies below 1 − band and the corrected test is significant.
  case improvement
  /// Neither, and the ratio's whole CI lies within ±band.
  case unchanged
  /// This comparison cannot tell: neither, and the CI reaches beyond ±band (or, for `ab`, fewer than 6
  /// rounds: a CI below 95% coverage).
  case inconclusive
}
