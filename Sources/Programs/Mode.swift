/// What one timed call of a point does.
package enum Mode: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  case inference
  /// Forward, backward-data, backward-weights (skipped for frozen factors) and an SGD update.
  case training

  /// The mode as `--mode` spells it.
  package var description: String { rawValue }
}
