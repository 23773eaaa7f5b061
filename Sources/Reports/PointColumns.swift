import Harness

/// The CSV columns every per-point file shares (one row per measured point), so sweeps, timings
/// and tables read the same way.
enum PointColumns {
  static let header = [
    "sequence", "layer", "factorization", "batch", "mode", "frozen", "threads", "binding", "cache",
    "median_s", "ci_low_s", "ci_high_s", "ci_half_width_pct", "min_s", "p10_s", "mean_s", "p90_s", "max_s",
    "mad_s",
    "cv", "samples", "calls_per_sample", "outliers", "reached_target", "stop_reason", "gflops",
    "images_per_s",
    "flops_per_call", "params", "macs_per_image", "relative_error", "output_error",
    "page_faults_per_call",
    "allocations_per_call",
    "context_switches_per_call", "cpu_utilisation", "paired_reference_median_s", "ratio_to_reference",
    "ratio_ci_low", "ratio_ci_high", "ratio_ci_half_width_pct", "pairs", "wilcoxon_p",
    "halves_difference_pct",
    "unstable",
  ]

  /// Extra columns: one `<event>_per_call` per counter name seen in `results`.
  static func counterNames(_ results: [PointResult]) -> [String] {
    var names: [String] = []
    for result in results {
      for counter in result.measurement.counters where !names.contains(counter.name) {
        names.append(counter.name)
      }
    }
    return names
  }

  static func row(_ r: PointResult, counters: [String]) -> [String] {
    let s = r.measurement.statistics
    let m = r.measurement
    func e(_ x: Double) -> String { x.isFinite ? String(format: "%.6e", x) : "" }
    func f(_ x: Double, _ digits: Int = 4) -> String { x.isFinite ? Format.fixed(x, digits) : "" }
    var cells = [
      String(r.sequence), r.spec.layer, r.spec.factorization.description, String(r.spec.batch),
      r.spec.mode.rawValue,
      r.spec.frozen.description, String(r.spec.threads.threads), r.spec.threads.binding.rawValue,
      r.spec.cache.rawValue, e(s.median), e(s.medianCI.lower), e(s.medianCI.upper),
      f(s.relativeHalfWidth * 100, 3),
      e(s.minimum), e(s.p10), e(s.mean), e(s.p90), e(s.maximum), e(s.mad), f(s.cv), String(s.count),
      String(m.callsPerSample), String(s.outliers), m.reachedTarget ? "true" : "false", m.stopReason.rawValue,
      f(r.gflops, 2), f(r.imagesPerSecond, 1), String(r.flopsPerCall), String(r.cost.parameters),
      String(r.cost.macsPerImage), e(r.relativeError), r.outputError.map(e) ?? "",
      f(m.usage.pageFaultsPerCall, 3),
      m.usage.allocationsPerCall.map { f($0, 3) } ?? "",
      f(m.usage.contextSwitchesPerCall, 3), f(m.cpuUtilisation, 3),
    ]
    if let reference = r.pairedReference, let c = r.comparison {
      let paired: [String] = [
        e(reference.statistics.median), f(c.ratio, 5), f(c.ratioCI.lower, 5), f(c.ratioCI.upper, 5),
        f(c.relativeHalfWidth * 100, 3), String(c.pairs), String(format: "%.3g", c.wilcoxonP),
        c.halvesDifference.map { f($0 * 100, 3) } ?? "", c.isUnstable ? "true" : "false",
      ]
      cells += paired
    } else {
      cells += ["", "", "", "", "", "", "", "", ""]
    }
    for name in counters {
      cells.append(m.counters.first { $0.name == name }?.perCall.map { e($0) } ?? "")
    }
    return cells
  }

  /// A CSV of `results` with `leading` extra columns in front (for example the sweep task kind).
  static func table(
    _ results: [PointResult], leading: [String] = [], values: (PointResult) -> [String] = { _ in [] }
  )
    -> CSVTable
  {
    let counters = counterNames(results)
    var table = CSVTable(header: leading + header + counters.map { Self.column(for: $0) })
    for result in results { table.append(values(result) + row(result, counters: counters)) }
    return table
  }

  /// "perf::TASK-CLOCK" → "perf_task_clock_per_call".
  static func column(for event: String) -> String {
    event.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
      .replacingOccurrences(of: "__", with: "_") + "_per_call"
  }
}
