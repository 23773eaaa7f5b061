import Foundation
import Tensors

/// Where a result was measured: stored in every result file so numbers can be compared honestly.
package struct MachineFingerprint: Codable, Sendable, Equatable {
  /// What the loaded OpenBLAS says about itself.
  package struct OpenBLASInfo: Codable, Sendable, Equatable {
    /// The OpenBLAS release, for example "0.3.21".
    package var version: String
    /// The core in use (`openblas_get_corename`).
    package var coreName: String
    /// The full configuration string (`openblas_get_config`).
    package var configuration: String
    /// The threading model: "pthreads", "OpenMP" or "sequential".
    package var parallel: String
    /// The most threads this build supports.
    package var maxThreads: Int

    package static var current: OpenBLASInfo {
      OpenBLASInfo(
        version: BLAS.version, coreName: BLAS.coreName, configuration: BLAS.configuration,
        parallel: BLAS.parallelModel, maxThreads: BLAS.processors)
    }
  }

  /// The CPU's marketing name.
  package var cpuModel: String
  /// hwloc's summary: packages, cores, PUs, caches and NUMA nodes, in one line.
  package var topology: String
  package var cores: Int
  /// Processing units (hardware threads).
  package var processingUnits: Int
  /// Size of the largest cache, in bytes.
  package var lastLevelCacheBytes: Int
  package var openBLAS: OpenBLASInfo
  /// How the OpenBLAS core was chosen and verified (nil when the command did not establish one).
  package var blasCore: BLASCoreReport?
  /// The library the GEMMs ran on, with its version and kernel set ("OpenBLAS 0.3.21 (Cooperlake)",
  /// "BLIS 0.9.0 (zen3)"; nil in results written before backends existed).
  package var gemmBackend: String?
  /// The kernel backend the run measured on (nil in results written before it was recorded as a value).
  package var backend: GEMMBackend?
  /// PAPI version and whether a PMU (hardware counters) is visible, with PAPI's reason if not.
  package var papi: String
  /// True when hardware counters really count here (a CPU PMU visible and PAPI counting cycles).
  package var hasHardwareCounters: Bool
  /// The Swift compiler that built lrd-bench.
  package var swiftVersion: String
  /// The build configuration: "release" or "debug".
  package var buildConfiguration: String
  /// The git commit of the build, with `-dirty` for uncommitted changes.
  package var gitCommit: String
  /// The Linux kernel release (`uname -r`).
  package var kernel: String
  package var hostname: String
  /// OPENBLAS_*, OMP_*, GOTO_*, LIBPFM_*, PAPI_* variables in effect.
  package var environment: [String: String]
  /// What one clock reading costs here.
  package var clock: ClockOverhead
  /// Governor, boost, SMT, load and steal (start values at capture; `finished()` adds the end).
  package var conditions: RunConditions?
  /// ISO 8601 time of capture.
  package var capturedAt: String

  /// The fingerprint with the run's end conditions (load average now, steal time since capture).
  package func finished() -> MachineFingerprint {
    var copy = self
    copy.conditions = conditions?.finished()
    return copy
  }

  /// Captures the fingerprint of this process on this machine; `blasCore` is the OpenBLAS core decision this
  /// process runs under (nil before one was made).
  package static func capture(topology: TopologySummary, blasCore: BLASCoreReport?) -> MachineFingerprint {
    let papiState: (String, Bool)
    switch PAPI.library {
    case .success(let info):
      let pmu =
        PMU.unavailableReason.map { "no PMU: \($0)" }
        ?? "PMU available (\(PMU.kernelPMUs.joined(separator: ", ")))"
      papiState = ("PAPI \(info.version); \(pmu)", PMU.isAvailable)
    case .failure(let error):
      papiState = ("PAPI unavailable: \(error)", false)
    }
    var uts = utsname()
    uname(&uts)
    func field<T>(_ value: T) -> String {
      withUnsafeBytes(of: value) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
    }
    // SLURM_* records the allocation a cluster job ran in (job, array task, CPUs per task).
    let prefixes = [
      "OPENBLAS_", "OMP_", "GOTO_", "LIBPFM_", "PAPI_", "SLURM_JOB_ID", "SLURM_ARRAY_", "SLURM_CPUS_",
    ]
    let environment = ProcessInfo.processInfo.environment.filter { key, _ in
      prefixes.contains { key.hasPrefix($0) }
    }
    return MachineFingerprint(
      cpuModel: topology.cpuModel, topology: topology.oneLine, cores: topology.coreCount,
      processingUnits: topology.processingUnits.count, lastLevelCacheBytes: topology.lastLevelCacheBytes,
      openBLAS: .current, blasCore: blasCore, gemmBackend: BLAS.backendDescription, backend: BLAS.backend,
      papi: papiState.0, hasHardwareCounters: papiState.1, swiftVersion: swiftVersion,
      buildConfiguration: buildConfiguration, gitCommit: GitInfo.commit(),
      kernel: "\(field(uts.sysname)) \(field(uts.release)) \(field(uts.machine))",
      hostname: field(uts.nodename),
      environment: environment, clock: MonotonicClock.overhead(readings: 20_000), conditions: .capture(),
      capturedAt: ISO8601DateFormatter().string(from: Date()))
  }

  /// The compiler that built this binary.
  package static var swiftVersion: String {
    #if compiler(>=6.5)
      return "6.5 or later"
    #elseif compiler(>=6.4)
      return "6.4"
    #elseif compiler(>=6.3.1)
      return "6.3.1"
    #elseif compiler(>=6.3)
      return "6.3"
    #elseif compiler(>=6.2)
      return "6.2"
    #else
      return "6.0–6.1"
    #endif
  }

  /// "debug" or "release".
  package static var buildConfiguration: String {
    #if DEBUG
      return "debug"
    #else
      return "release"
    #endif
  }
}

/// The git commit of the checkout the binary was built from.
package enum GitInfo {
  /// `git rev-parse HEAD` (+ "-dirty" with uncommitted changes) of the repository holding the
  /// executable, or `LRD_BENCH_GIT_COMMIT`, or "unknown".
  package static func commit() -> String {
    if let forced = ProcessInfo.processInfo.environment["LRD_BENCH_GIT_COMMIT"] { return forced }
    var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
      .deletingLastPathComponent()
    for _ in 0..<6 {
      if FileManager.default.fileExists(atPath: directory.appendingPathComponent(".git").path) { break }
      directory.deleteLastPathComponent()
    }
    guard let head = run(["-C", directory.path, "rev-parse", "HEAD"]), !head.isEmpty else { return "unknown" }
    let status = run(["-C", directory.path, "status", "--porcelain", "--untracked-files=no"]) ?? ""
    return head + (status.isEmpty ? "" : "-dirty")
  }

  private static func run(_ arguments: [String]) -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return nil
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  }
}

/// Public access to PAPI's library information for reports and the `counters` command.
package enum CounterLibrary {
  /// PAPI's version and components, or why PAPI could not initialise.
  package static var papi: Result<PAPILibraryInfo, PAPIError> { PAPI.library }
}

extension MachineFingerprint {
  /// The kernel backend the fingerprinted run measured on: `backend`, or in older results the library
  /// `gemmBackend` names (OpenBLAS when neither says).
  package var kernelBackend: GEMMBackend { backend ?? GEMMBackend(library: gemmBackend) ?? .openblas }
}
