/// One counter's result for a point: totals over the timed samples and per call.
public struct CounterReading: Codable, Sendable, Equatable {
  public var name: String
  public var availability: EventAvailability
  /// Sum over every timed call (nil when unavailable).
  public var total: Double?
  /// total / calls.
  public var perCall: Double?
}
