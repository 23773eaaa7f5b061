package enum StopReason: String, Codable, Sendable {
  /// The CI of the median reached the target width.
  case confidenceReached = "ci-reached"
  /// The time budget was spent first.
  case budget
  /// The sample cap was reached.
  case maximumSamples = "max-samples"
  /// SIGINT arrived.
  case interrupted
}
