import Machine
import Statistics

extension PointMeasurement {
  /// Measurements of the same point taken in several passes of a run, as one: samples concatenated in pass
  /// order (statistics recomputed), times and counts summed, per-call rates weighted by calls.
  ///
  /// The target counts as reached only when every pass reached it; the stop reason is the last pass's.
  package static func pooled(_ passes: [PointMeasurement]) -> PointMeasurement {
    guard var pooled = passes.first, passes.count > 1 else { return passes[0] }
    let calls = passes.map { Double($0.calls) }
    let allCalls = calls.reduce(0, +)
    func weighted(_ value: (PointMeasurement) -> Double) -> Double {
      allCalls > 0 ? zip(passes, calls).reduce(0) { $0 + value($1.0) * $1.1 } / allCalls : value(pooled)
    }
    pooled.samples = passes.flatMap(\.samples)
    pooled.statistics = SampleStatistics(pooled.samples)
    // Calls per sample can differ between passes (each calibrates anew); the largest is kept and `calls` is
    // then approximate, but rates below are weighted by each pass's own calls.
    pooled.callsPerSample = passes.map(\.callsPerSample).max() ?? pooled.callsPerSample
    pooled.warmupCalls = passes.reduce(0) { $0 + $1.warmupCalls }
    pooled.warmupSeconds = passes.reduce(0) { $0 + $1.warmupSeconds }
    pooled.stopReason = passes[passes.count - 1].stopReason
    pooled.reachedTarget = passes.allSatisfy(\.reachedTarget)
    pooled.elapsedSeconds = passes.reduce(0) { $0 + $1.elapsedSeconds }
    let timed = passes.compactMap(\.timedSeconds)
    pooled.timedSeconds = timed.count == passes.count ? timed.reduce(0, +) : nil
    let counted = passes.compactMap(\.counterSeconds)
    pooled.counterSeconds = counted.count == passes.count ? counted.reduce(0, +) : nil
    pooled.usage = ProcessUsage(
      pageFaultsPerCall: weighted(\.usage.pageFaultsPerCall),
      contextSwitchesPerCall: weighted(\.usage.contextSwitchesPerCall),
      cpuSecondsPerCall: weighted(\.usage.cpuSecondsPerCall),
      allocationsPerCall: passes.allSatisfy { $0.usage.allocationsPerCall != nil }
        ? weighted { $0.usage.allocationsPerCall ?? 0 } : nil)
    pooled.counters = pooled.counters.map { reading in
      let totals = passes.map { pass in pass.counters.first { $0.name == reading.name }?.total }
      guard totals.allSatisfy({ $0 != nil }), allCalls > 0 else {
        return CounterReading(
          name: reading.name, availability: reading.availability, total: nil, perCall: nil)
      }
      let total = totals.reduce(0) { $0 + ($1 ?? 0) }
      return CounterReading(
        name: reading.name, availability: reading.availability, total: total, perCall: total / allCalls)
    }
    return pooled
  }
}
