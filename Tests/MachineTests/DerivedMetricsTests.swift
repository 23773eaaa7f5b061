import Testing

@testable import Machine

@Suite("Derived metrics")
struct DerivedMetricsTests {
  /// The derived metrics of a task-clock reading (total and per-call nanoseconds) over `window` seconds.
  func metrics(total: Double, perCall: Double, window: Double?) -> [DerivedMetric] {
    let availability = EventAvailability(
      name: "perf::TASK-CLOCK", source: "perf_event_open", reason: nil, unit: "ns")
    let taskClock = CounterReading(
      name: "perf::TASK-CLOCK", availability: availability, total: total, perCall: perCall)
    return DerivedMetrics.compute(
      counters: [taskClock], secondsPerCall: 0.001, windowSeconds: window, flopsPerCall: 0)
  }

  @Test("CPU utilisation divides the task clock's total by the wall time of the same windows")
  func utilisationUsesTotalsOfOneWindow() throws {
    // A skewed point: the median call (1 ms) is well below the mean (1.5 ms); 100 calls, one thread
    // busy throughout 0.15 s of counted windows.
    let all = metrics(total: 0.15e9, perCall: 1.5e6, window: 0.15)
    let utilisation = try #require(all.first { $0.name == "CPU utilisation" })
    #expect(abs(utilisation.value - 1) < 1e-12, "a per-call mean over the median would say 1.5")
  }

  @Test func noWindowNoUtilisation() {
    #expect(!metrics(total: 1e9, perCall: 1e7, window: nil).contains { $0.name == "CPU utilisation" })
  }
}
