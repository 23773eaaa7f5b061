import Foundation
import Harness
import Machine
import Results

/// `lrd-bench counters`: PAPI's components, every event's availability, and the measured sgemm.
package enum CountersReport {
  /// PAPI's components, whether counters really count, each event's availability and the sgemm readings, as
  /// text.
  package static func text(_ r: CounterCheckResult) -> String {
    var lines: [String] = []
    if let papi = r.papi {
      lines.append(
        "PAPI \(papi.version); CPU \(papi.cpuModel.isEmpty ? "unknown" : papi.cpuModel)"
          + (papi.virtualized == true
            ? " (virtual machine\(papi.virtualVendor.map { ": \($0)" } ?? ""))" : ""))
      lines.append(
        r.pmu.map { "Hardware counters: none usable: \($0)" }
          ?? "Hardware counters: available")
      lines.append("Components:")
      for c in papi.components {
        lines.append(
          "  \(c.name.padding(toLength: 18, withPad: " ", startingAt: 0)) "
            + (c.enabled
              ? "enabled, \(c.hardwareCounters) hardware counters" : "disabled: \(c.disabledReason ?? "")"))
      }
    } else {
      lines.append("PAPI failed to initialise: \(r.papiError ?? "unknown error")")
    }
    if let core = r.blasCore { lines.append(core.headerLine) }
    lines.append("")
    lines.append("Events:")
    let width = max(r.events.map(\.name.count).max() ?? 0, 10)
    for e in r.events {
      lines.append("  \(e.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(e.summary)")
    }
    lines.append("")
    let s = r.measurement.statistics
    let flops = 2.0 * Double(r.gemmSize * r.gemmSize * r.gemmSize)
    lines.append(
      "sgemm \(r.gemmSize)×\(r.gemmSize)×\(r.gemmSize) on \(r.threads) thread\(r.threads == 1 ? "" : "s"): "
        + "\(Format.duration(s.median)) per call (±\(Format.percent(s.relativeHalfWidth)) CI, \(s.count) samples), "
        + "\(Format.fixed(flops / s.median / 1e9, 1)) GFLOP/s")
    for counter in r.measurement.counters {
      let value = counter.perCall.map { Format.fixed($0, $0 < 100 ? 3 : 0) } ?? "—"
      lines.append(
        "  \(counter.name.padding(toLength: width, withPad: " ", startingAt: 0))  "
          + (counter.availability.isAvailable
            ? "\(value) \(counter.availability.unit) per call" : "not measured"))
    }
    for metric in r.derived {
      lines.append("  \(metric.name): \(Format.fixed(metric.value, 3)) \(metric.unit)  (\(metric.formula))")
    }
    lines.append(
      "  getrusage: \(Format.fixed(r.measurement.usage.pageFaultsPerCall, 3)) page faults, "
        + "\(Format.fixed(r.measurement.usage.contextSwitchesPerCall, 3)) context switches, "
        + "\(Format.fixed(r.measurement.cpuUtilisation, 2)) CPU-seconds per second per call")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The same as JSON.
  package static func json(_ r: CounterCheckResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}
