import Foundation
import Harness
import Profiling
import Tensors

/// `lrd-bench topology`: hwloc's view of the machine, the CPU's SIMD level, the OpenBLAS core and
/// the candidate cores' sgemm throughput. A pure function of the gathered `Document`.
public enum TopologyReport {
  /// Everything `topology` shows, gathered by the command.
  public struct Document: Codable, Sendable {
    public var topology: TopologySummary
    public var openBLAS: MachineFingerprint.OpenBLASInfo
    public var blasThreads: Int
    public var cpu: CPUFeatures
    public var blasCore: BLASCoreReport
    public var candidates: [CoreCandidateResult]

    public init(
      topology: TopologySummary, openBLAS: MachineFingerprint.OpenBLASInfo, blasThreads: Int,
      cpu: CPUFeatures, blasCore: BLASCoreReport, candidates: [CoreCandidateResult]
    ) {
      self.topology = topology
      self.openBLAS = openBLAS
      self.blasThreads = blasThreads
      self.cpu = cpu
      self.blasCore = blasCore
      self.candidates = candidates
    }
  }

  public static func text(_ d: Document) -> String {
    let t = d.topology
    var lines: [String] = []
    lines.append("CPU model:   \(t.cpuModel)")
    lines.append(
      "ISA:         \(d.cpu.summary) (\(d.cpu.vendor)"
        + (d.cpu.family.map { ", family \($0)" } ?? "") + (d.cpu.model.map { " model \($0)" } ?? "") + ")")
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
    let blas = d.openBLAS
    lines.append(
      "OpenBLAS:    \(blas.version), core \(blas.coreName), \(blas.parallel), \(d.blasThreads) threads (max \(blas.maxThreads))"
    )
    lines.append("             \(blas.configuration)")
    let core = d.blasCore
    lines.append("BLAS core:   \(core.coreUsed), chosen by \(core.selection.rawValue): \(core.reason)")
    lines.append(
      "             OpenBLAS's own choice: \(core.openBLASChoice ?? "not probed")"
        + (core.simulatedOpenBLASChoice == nil ? "" : " (simulated)")
        + "; OPENBLAS_CORETYPE" + (core.coretypeVariable.map { "=\($0)" } ?? " unset")
        + "; selection took \(Format.duration(core.selectionSeconds))")
    lines.append("             self-check \(core.selfCheck?.summary ?? "not run")")
    if let allocations = core.selfCheck?.allocations {
      lines.append("             allocations: \(allocations.summary)")
    }
    for warning in core.warnings { lines.append("             warning: \(warning)") }
    if !d.candidates.isEmpty {
      let size = d.candidates.compactMap { $0.rates.first?.size }.first ?? 0
      let threads = Array(Set(d.candidates.flatMap { $0.rates.map(\.threads) })).sorted()
      lines.append("")
      lines.append("Candidate cores (each in a child process; sgemm \(size)³, GFLOP/s, median):")
      var table = TextTable(
        header: ["core", "runs as", "self-check"] + threads.map { "\($0) thread\($0 == 1 ? "" : "s")" },
        rightAligned: Set(3..<(3 + threads.count)))
      for candidate in d.candidates {
        let check =
          candidate.failure ?? (candidate.selfCheck.map { $0.passed ? "passed" : "FAILED" } ?? "—")
        table.append(
          [
            candidate.core + (candidate.core.lowercased() == core.coreUsed.lowercased() ? " (in use)" : ""),
            candidate.reported ?? "—", check,
          ]
            + threads.map { count in
              candidate.rates.first { $0.threads == count }.map { Format.fixed($0.gflops, 1) } ?? "—"
            })
      }
      lines.append(table.text.trimmingCharacters(in: .newlines))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func json(_ d: Document) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(d), as: UTF8.self) + "\n"
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

  public static func json(_ r: CounterCheckResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}
