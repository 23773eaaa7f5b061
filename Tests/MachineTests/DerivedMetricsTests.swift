import Testing

@testable import Machine

@Suite("Derived metrics")
struct DerivedMetricsTests {
  @Test("CPU utilisation divides the task clock's total by the wall time of the same windows")
  func utilisationUsesTotalsOfOneWindow() throws {
    // A skewed point: the median call (1 ms) is well below the mean (1.5 ms); 100 calls, one thread
    // busy throughout 0.15 s of counted windows.
    let taskClock = CounterReading(
      name: "perf::TASK-CLOCK",
      availability: EventAvailability(
        name: "perf::TASK-CLOCK", source: "perf_event_open", reason: nil, unit: "ns"), total: 0.15e9,
      perCall: 1.5e6)
    let metrics = DerivedMetrics.compute(
      counters: [taskClock], secondsPerCall: 0.001, windowSeconds: 0.15, flopsPerCall: 0)
    let utilisation = try #require(metrics.first { $0.name == "CPU utilisation" })
    #expect(abs(utilisation.value - 1) < 1e-12, "a per-call mean over the median would say 1.5")
  }

  @Test func noWindowNoUtilisation() {
    let taskClock = CounterReading(
      name: "perf::TASK-CLOCK",
      availability: EventAvailability(
        name: "perf::TASK-CLOCK", source: "perf_event_open", reason: nil, unit: "ns"), total: 1e9,
      perCall: 1e7)
    let metrics = DerivedMetrics.compute(
      counters: [taskClock], secondsPerCall: 0.001, windowSeconds: nil, flopsPerCall: 0)
    #expect(!metrics.contains { $0.name == "CPU utilisation" })
  }
}
