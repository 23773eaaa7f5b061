import Machine
import Profiling
import Tensors

/// What `lrd-bench counters` reports: PAPI's state, every requested event's availability, and one
/// sgemm measured with the available events on every thread.
package struct CounterCheckResult: Codable, Sendable {
  /// PAPI's version and components, nil when PAPI could not start.
  package var papi: PAPILibraryInfo?
  /// Why PAPI could not start, nil when it did.
  package var papiError: String?
  /// Every requested event with its availability here.
  package var events: [EventAvailability]
  /// Matrix size N of the N×N×N sgemm measured.
  package var gemmSize: Int
  /// BLAS threads the sgemm ran on.
  package var threads: Int
  /// The sgemm's timing and counter readings.
  package var measurement: PointMeasurement
  /// Metrics derived from the readings (IPC, GFLOP/s, …) where their inputs were counted.
  package var derived: [DerivedMetric]
  /// How the OpenBLAS core was chosen (nil when the caller did not establish one).
  package var blasCore: BLASCoreReport?
  /// Why hardware events cannot be counted here (nil when they can).
  package var pmu: String?
}

/// Checks which counters work here and measures an sgemm with them.
package enum CounterCheck {
  /// Measures an n×n×n sgemm with `events` (budget in seconds) on the current BLAS threads.
  package static func run(events: [String], size n: Int = 512, budget: Double = 1) throws
    -> CounterCheckResult
  {
    try MemoryEstimate.check(
      MemoryEstimate.sgemm(size: n), for: "an \(n)×\(n)×\(n) sgemm", reduce: .size)
    let workload = GEMMWorkload(m: n, n: n, k: n)
    let gemm = { workload.run() }
    gemm()  // OpenBLAS threads exist before counters attach to them
    let counters = CounterSet(events: events)
    let sampler = Sampler(
      configuration: SamplerConfiguration(budgetSeconds: budget, minimumSamples: 10), counters: counters)
    let measurement = sampler.measure(gemm)
    var info: PAPILibraryInfo?
    var failure: String?
    switch CounterLibrary.papi {
    case .success(let value): info = value
    case .failure(let error): failure = error.description
    }
    return CounterCheckResult(
      papi: info, papiError: failure, events: counters.availability, gemmSize: n, threads: BLAS.threads,
      measurement: measurement,
      derived: DerivedMetrics.compute(
        counters: measurement.counters, secondsPerCall: measurement.statistics.median,
        windowSeconds: measurement.counterSeconds, flopsPerCall: 2 * n * n * n),
      blasCore: BLASCoreGate.current, pmu: PMU.unavailableReason)
  }
}
