import Foundation
import Harness
import Profiling
import Tensors

/// `lrd-bench topology`: hwloc's view of the machine plus OpenBLAS's configuration.
public enum TopologyReport {
  struct Document: Encodable {
    var topology: TopologySummary
    var openBLAS: MachineFingerprint.OpenBLASInfo
  }

  static var openBLAS: MachineFingerprint.OpenBLASInfo { .current }

  public static func text(_ t: TopologySummary) -> String {
    var lines: [String] = []
    lines.append("CPU model:   \(t.cpuModel)")
    lines.append("Packages:    \(t.packages)")
    lines.append(
      "Cores:       \(t.coreCount)  ("
        + t.cores.map {
          "core \($0.logicalIndex): PU \($0.processingUnits.map(String.init).joined(separator: ","))"
        }.joined(separator: "; ") + ")")
    lines.append(
      "PUs:         \(t.processingUnits.count)  (OS indices \(t.processingUnits.map(String.init).joined(separator: ",")))"
    )
    lines.append("Caches:")
    for cache in t.caches {
      lines.append(
        "  \(cache.name.padding(toLength: 4, withPad: " ", startingAt: 0)) \(ByteCount.format(cache.sizeBytes).padding(toLength: 9, withPad: " ", startingAt: 0)) "
          + "line \(cache.lineBytes) B, \(cache.kind), shared by PU \(cache.sharedBy.map(String.init).joined(separator: ","))"
      )
    }
    lines.append("NUMA nodes:")
    for node in t.numaNodes {
      lines.append(
        "  node \(node.osIndex): \(ByteCount.format(node.memoryBytes)), PU \(node.processingUnits.map(String.init).joined(separator: ","))"
      )
    }
    lines.append("Memory:      \(ByteCount.format(t.totalMemoryBytes))")
    lines.append("hwloc:       \(t.hwlocVersion)")
    let blas = openBLAS
    lines.append(
      "OpenBLAS:    \(blas.version), core \(blas.coreName), \(blas.parallel), \(BLAS.threads) threads (max \(blas.maxThreads))"
    )
    lines.append("             \(blas.configuration)")
    return lines.joined(separator: "\n") + "\n"
  }

  public static func json(_ t: TopologySummary) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(Document(topology: t, openBLAS: openBLAS)), as: UTF8.self)
      + "\n"
  }
}

/// `lrd-bench counters`: PAPI's components, every event's availability, and the measured sgemm.
public enum CountersReport {
  public static func text(_ r: CounterCheckResult) -> String {
    var lines: [String] = []
    if let papi = r.papi {
      lines.append(
        "PAPI \(papi.version); CPU \(papi.cpuModel.isEmpty ? "unknown" : papi.cpuModel)"
          + (papi.virtualized == true
            ? " (virtual machine\(papi.virtualVendor.map { ": \($0)" } ?? ""))" : ""))
      lines.append(
        papi.hasHardwareCounters
          ? "Hardware counters: available" : "Hardware counters: none (no PMU visible to PAPI)")
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

  public static func json(_ r: CounterCheckResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}
