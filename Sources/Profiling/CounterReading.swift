/// One counter's result for a point: totals over the timed samples and per call.
public struct CounterReading: Codable, Sendable, Equatable {
  /// The event's name (a PAPI preset, a native PAPI event or a `perf::` software event).
  public var name: String
  /// Whether and by what the event was counted here.
  public var availability: EventAvailability
  /// Sum over every timed call (nil when unavailable).
  public var total: Double?
  /// total / calls.
  public var perCall: Double?
}
