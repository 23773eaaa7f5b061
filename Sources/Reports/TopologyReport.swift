import Foundation
import Machine
import Profiling
import Results

/// `lrd-bench topology`: hwloc's view of the machine, the CPU's SIMD level, the OpenBLAS core and the
/// candidate cores' sgemm throughput.
///
/// A pure function of the gathered `Document`.
package enum TopologyReport {
  /// Everything `topology` shows, gathered by the command.
  package struct Document: Codable, Sendable {
    /// The machine's topology from hwloc.
    package var topology: TopologySummary
    package var openBLAS: MachineFingerprint.OpenBLASInfo
    /// BLAS threads at the time of reading.
    package var blasThreads: Int
    /// The CPU's vendor, model and ISA.
    package var cpu: CPUFeatures
    /// How the OpenBLAS core was chosen and checked.
    package var blasCore: BLASCoreReport
    /// Every candidate core measured in a child process (empty with `--sgemm-size 0`).
    package var candidates: [CoreCandidateResult]

    /// A document from what the command gathered.
    package init(
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

  /// Packages, cores, caches, NUMA nodes, OpenBLAS, its core choice and the candidate cores, as text.
  package static func text(_ d: Document) -> String {
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

  /// The same as JSON.
  package static func json(_ d: Document) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(d), as: UTF8.self) + "\n"
  }
}
