/// Process-wide resource use over the timed samples, from getrusage(RUSAGE_SELF) (all threads;
/// works with or without a PMU).
package struct ProcessUsage: Codable, Sendable, Equatable {
  /// Page faults (minor and major) per call during sampling.
  package var pageFaultsPerCall: Double
  /// Context switches (voluntary and involuntary) per call during sampling.
  package var contextSwitchesPerCall: Double
  /// CPU seconds (user + system, all threads) per call.
  package var cpuSecondsPerCall: Double
  /// Heap allocations per call by any thread while timed (nil when the allocation counter is not linked into
  /// the process).
  ///
  /// OpenBLAS's threaded driver allocates a job table per multi-threaded GEMM, so multi-threaded points show
  /// a few per call; a kernel's own code allocates nothing.
  package var allocationsPerCall: Double?
}
