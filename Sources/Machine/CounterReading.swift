/// One counter's result for a point: totals over the timed samples and per call.
package struct CounterReading: Codable, Sendable, Equatable {
  /// The event's name (a PAPI preset, a native PAPI event or a `perf::` software event).
  package var name: String
  /// Whether and by what the event was counted here.
  package var availability: EventAvailability
  /// Sum over every timed call (nil when unavailable).
  package var total: Double?
  /// total / calls.
  package var perCall: Double?

  /// A reading of `name`.
  package init(name: String, availability: EventAvailability, total: Double?, perCall: Double?) {
    self.name = name
    self.availability = availability
    self.total = total
    self.perCall = perCall
  }
}
