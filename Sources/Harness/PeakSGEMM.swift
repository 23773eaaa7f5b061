import Profiling

/// The machine's peak for lrd-bench's purposes: a large square sgemm on the current thread config,
/// measured in the same run as what it is compared with (docs/methods.md "OpenBLAS core").
package enum PeakSGEMM {
  /// The square size used for peak figures (2048³: large enough for OpenBLAS's best blocking).
  package static let defaultSize = 2048

  /// Times an n×n×n sgemm with the current BLAS threads and binding; `budget` seconds at most.
  package static func measure(size n: Int = defaultSize, threads: Int, budget: Double = 1) -> SGEMMRate {
    let workload = GEMMWorkload(m: n, n: n, k: n)
    let sampler = Sampler(
      configuration: SamplerConfiguration(
        targetRelativeHalfWidth: 0.01, budgetSeconds: budget, minimumSamples: 5, warmupSeconds: budget / 10))
    let measurement = sampler.measure { workload.run() }
    return SGEMMRate(
      size: n, threads: threads, medianSeconds: measurement.statistics.median,
      samples: measurement.statistics.count)
  }
}
