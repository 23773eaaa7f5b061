/// Metrics derived from counters where their inputs were measured (nothing is invented when a
/// counter is unavailable: the metric is simply absent).
package struct DerivedMetric: Codable, Sendable, Equatable {
  /// The metric's name (for example "IPC").
  package var name: String
  /// The metric's value, in `unit`.
  package var value: Double
  /// The unit of `value` (for example "instructions/cycle").
  package var unit: String
  /// How it was computed, for example "PAPI_TOT_INS / PAPI_TOT_CYC".
  package var formula: String
}

/// Derives metrics from a point's counter readings.
package enum DerivedMetrics {
  /// IPC, counted GFLOP/s vs analytic, cache misses per kFLOP, CPU utilisation (threads busy).
  ///
  /// `secondsPerCall` is the point's reported time per call (its median); `windowSeconds` the total
  /// wall time of the windows the counters were read around, which CPU utilisation divides the task
  /// clock's total by (totals over the same windows, so it cannot exceed the busy threads, as a
  /// per-call mean over a median could).
  package static func compute(
    counters: [CounterReading], secondsPerCall: Double, windowSeconds: Double?, flopsPerCall: Int
  ) -> [DerivedMetric] {
    func value(_ name: String) -> Double? {
      counters.first { $0.name.uppercased() == name.uppercased() }?.perCall.flatMap { $0.isFinite ? $0 : nil }
    }
    var metrics: [DerivedMetric] = []
    if let instructions = value("PAPI_TOT_INS"), let cycles = value("PAPI_TOT_CYC"), cycles > 0 {
      metrics.append(
        .init(
          name: "IPC", value: instructions / cycles, unit: "instr/cycle",
          formula: "PAPI_TOT_INS / PAPI_TOT_CYC"))
    }
    for event in ["PAPI_SP_OPS", "PAPI_VEC_SP"] {
      if let ops = value(event), secondsPerCall > 0 {
        metrics.append(
          .init(
            name: "counted GFLOP/s (\(event))", value: ops / secondsPerCall / 1e9, unit: "GFLOP/s",
            formula: "\(event) / time"))
        if flopsPerCall > 0 {
          metrics.append(
            .init(
              name: "counted / analytic FLOPs (\(event))", value: ops / Double(flopsPerCall), unit: "ratio",
              formula: "\(event) / analytic FLOPs"))
        }
      }
    }
    for event in ["PAPI_L1_DCM", "PAPI_L2_DCM", "PAPI_L3_TCM"] where flopsPerCall > 0 {
      if let misses = value(event) {
        metrics.append(
          .init(
            name: "\(event) per kFLOP", value: misses / (Double(flopsPerCall) / 1000), unit: "misses/kFLOP",
            formula: "\(event) / (FLOPs / 1000)"))
      }
    }
    if let taskClock = counters.first(where: { $0.name.uppercased() == "PERF::TASK-CLOCK" })?.total,
      taskClock.isFinite, let windowSeconds, windowSeconds > 0
    {
      metrics.append(
        .init(
          name: "CPU utilisation", value: taskClock * 1e-9 / windowSeconds, unit: "busy threads",
          formula: "perf::TASK-CLOCK total / wall time of the counted windows"))
    }
    if let faults = value("perf::PAGE-FAULTS") {
      metrics.append(
        .init(
          name: "page faults per call", value: faults, unit: "faults", formula: "perf::PAGE-FAULTS / calls"))
    }
    return metrics
  }
}
