import Foundation
import Harness
import Profiling
import Results

/// `lrd-bench time`: one point's statistics, counters and fingerprint.
package enum TimeReport {
  /// One point's timing as text: time per call with its CI, GFLOP/s, counters, allocations and conditions.
  package static func text(_ r: PointTimingResult) -> String {
    let p = r.point
    let s = p.measurement.statistics
    let m = p.measurement
    var lines: [String] = []
    lines.append(
      "\(p.spec.layer) (\(r.layer.shape)\(p.spec.onnx.map { " of \($0)" } ?? "")) as \(p.spec.factorization), "
        + "batch \(p.spec.batch), \(p.spec.mode)"
        + (p.spec.frozen == .none ? "" : ", frozen \(p.spec.frozen)")
        + ", \(p.spec.threads), cache \(p.spec.cache)")
    lines.append(
      "  params \(LayersReport.grouped(p.cost.parameters)) (original \(LayersReport.grouped(r.layer.parameters))), "
        + "\(LayersReport.grouped(p.flopsPerCall)) FLOPs per call, \(p.cost.layerCount) layer\(p.cost.layerCount == 1 ? "" : "s"), "
        + "reconstruction error \(Format.fixed(p.relativeError, 4))")
    lines.append("")
    lines.append(
      "  median   \(Format.duration(s.median))   \(Format.medianCI(s))"
        + (s.medianCI.level >= 0.95 ? " (\(s.medianCI.method))" : ""))
    lines.append(
      "  min \(Format.duration(s.minimum))  p10 \(Format.duration(s.p10))  mean \(Format.duration(s.mean))  "
        + "p90 \(Format.duration(s.p90))  max \(Format.duration(s.maximum))")
    lines.append(
      "  MAD \(Format.duration(s.mad))  CV \(Format.percent(s.cv))  outliers \(s.outliers) (beyond 3 scaled MADs, kept)"
    )
    lines.append(
      "  \(s.count) samples × \(m.callsPerSample) call\(m.callsPerSample == 1 ? "" : "s"); warm-up \(m.warmupCalls) calls in "
        + "\(Format.duration(m.warmupSeconds)); stopped: \(m.stopReason.rawValue) after \(Format.duration(m.elapsedSeconds))"
        + (m.reachedTarget
          ? "" : " (CI target ±\(Format.percent(r.sampler.targetRelativeHalfWidth, digits: 1)) not reached)"))
    lines.append("  \(Format.fixed(p.gflops, 1)) GFLOP/s, \(Format.fixed(p.imagesPerSecond, 1)) images/s")
    lines.append("")
    lines += counterLines(m, per: "call")
    if m.pageFaults { lines.append("  warning: the timed region page-faults; the timing is suspect") }
    for metric in r.derived {
      lines.append("  \(metric.name): \(Format.fixed(metric.value, 3)) \(metric.unit)")
    }
    lines.append("")
    lines.append(
      "Binding: planned PUs \(r.binding.plannedProcessingUnits), process set \(r.binding.processCPUSet), "
        + "BLAS threads \(r.binding.blasThreadAffinity)\(BindingText.poolWorkers(r.binding)) — \(r.binding.verified ? "verified" : "NOT verified")"
    )
    let f = r.fingerprint
    for line in FingerprintText.header(f) { lines.append("  " + line) }
    lines.append(
      "  clock: \(f.clock.source), overhead \(Format.fixed(f.clock.medianNanoseconds, 0)) ns per reading, "
        + "resolution \(f.clock.resolutionNanoseconds) ns; Swift \(f.swiftVersion), kernel \(f.kernel)")
    if !f.environment.isEmpty {
      lines.append(
        "  env: "
          + f.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// "Counters (per call, all threads):", one line per counter, then getrusage's figures.
  static func counterLines(_ m: PointMeasurement, per unit: String) -> [String] {
    var lines = ["Counters (per \(unit), all threads):"]
    for counter in m.counters {
      let value = counter.perCall.map { Format.fixed($0, $0 < 100 ? 3 : 0) + " \(counter.availability.unit)" }
      lines.append(
        "  \(counter.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(value ?? counter.availability.summary)"
      )
    }
    lines.append(
      "  getrusage: \(Format.fixed(m.usage.pageFaultsPerCall, 3)) page faults, "
        + "\(Format.fixed(m.usage.contextSwitchesPerCall, 3)) context switches, CPU utilisation \(Format.fixed(m.cpuUtilisation, 2))"
        + (m.usage.allocationsPerCall.map { ", \(Format.fixed($0, 2)) heap allocations per \(unit)" } ?? ""))
    return lines
  }

  /// The same as JSON, every sample included.
  package static func json(_ r: PointTimingResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}
