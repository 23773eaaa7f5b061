/// What one timed call of a point does.
public enum Mode: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Forward pass only.
  case inference
  /// Forward, backward-data, backward-weights (skipped for frozen factors) and an SGD update.
  case training

  /// The mode as `--mode` spells it.
  public var description: String { rawValue }
}
