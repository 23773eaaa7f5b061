import Foundation
import Machine
import Support
import Synchronization
import Tensors

#if canImport(Glibc)
  import Glibc
#endif

/// What `lrd-bench blas-check` prints (JSON) from a child process running one core: the core it ran,
/// OpenBLAS's configuration, its self-check and, when asked, large-sgemm throughput.
package struct BLASCheckOutcome: Codable, Sendable, Equatable {
  /// The core the child ran (`openblas_get_corename`).
  package var core: String
  /// OpenBLAS's build configuration string (`openblas_get_config`).
  package var configuration: String
  /// The child's GEMM and SVD self-check.
  package var selfCheck: BLASSelfCheck
  /// Large-sgemm throughput per thread count, when asked for.
  package var rates: [SGEMMRate]

  /// An outcome from its fields.
  package init(core: String, configuration: String, selfCheck: BLASSelfCheck, rates: [SGEMMRate]) {
    self.core = core
    self.configuration = configuration
    self.selfCheck = selfCheck
    self.rates = rates
  }
}

/// The throughput of an n×n×n sgemm on a thread config: the machine's peak for lrd-bench's purposes.
package struct SGEMMRate: Codable, Sendable, Equatable {
  /// Matrix size N of the N×N×N sgemm.
  package var size: Int
  /// BLAS threads it ran on.
  package var threads: Int
  /// Median seconds per sgemm call.
  package var medianSeconds: Double
  package var samples: Int
  /// GFLOP/s of the median: 2·N³ / seconds / 10⁹.
  package var gflops: Double { 2 * pow(Double(size), 3) / medianSeconds / 1e9 }

  /// A rate from its measured fields.
  package init(size: Int, threads: Int, medianSeconds: Double, samples: Int) {
    self.size = size
    self.threads = threads
    self.medianSeconds = medianSeconds
    self.samples = samples
  }
}

/// Establishes the OpenBLAS core of this process before anything is measured: decides with
/// `BLASCoreDecision`, verifies candidates in child processes (`lrd-bench blas-check`, so a core that
/// crashes cannot take the command down), restarts the process with `OPENBLAS_CORETYPE` when another
/// core is chosen (OpenBLAS reads it when the library loads), and self-checks the core in use.
package enum BLASCoreGate {
  /// `--blas-core` default, from the environment.
  package static let requestVariable = "LRD_BENCH_BLAS_CORE"
  /// A test knob: pretend OpenBLAS chose this core by itself (exercises `auto` on a CPU it knows).
  package static let simulateVariable = "LRD_BENCH_SIMULATE_OPENBLAS_CHOICE"
  /// The decision a parent passes to the process it restarts.
  static let stateVariable = "LRD_BENCH_BLAS_CORE_STATE"
  /// Seconds a child check may take before it counts as hung.
  static let childTimeout = 60.0

  private static let established = Mutex<BLASCoreReport?>(nil)

  /// The report of this process's core, once `establish` ran (fingerprints read it).
  package static var current: BLASCoreReport? { established.withLock { $0 } }

  /// The request from `--blas-core` (if given) or `LRD_BENCH_BLAS_CORE`, default auto.
  package static func request(option: String?) throws(BLASCoreError) -> BLASCoreRequest {
    let text = option ?? ProcessInfo.processInfo.environment[requestVariable] ?? "auto"
    return try BLASCoreRequest(parsing: text)
  }

  /// Chooses, verifies and (if needed) restarts; returns the report once this process runs the core it will
  /// measure with.
  ///
  /// `executable` is what children and restarts run (default: this program); restarts happen only when it is
  /// the lrd-bench executable.
  package static func establish(
    _ request: BLASCoreRequest, executable: String = "/proc/self/exe"
  ) -> BLASCoreReport {
    if let report = current { return report }
    let start = DispatchTime.now().uptimeNanoseconds
    let environment = ProcessInfo.processInfo.environment
    let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: executable)) ?? executable
    let canRestart = URL(fileURLWithPath: path).lastPathComponent == "lrd-bench"
    var inherited: BLASCoreReport?
    if let text = environment[stateVariable] {
      inherited = try? JSONDecoder().decode(BLASCoreReport.self, from: Data(text.utf8))
      unsetenv(stateVariable)
    }
    let current = BLAS.coreName
    var decision: BLASCoreDecision
    if var state = inherited {
      state.coretypeVariable = environment["OPENBLAS_CORETYPE"]
      if state.coreUsed.lowercased() != current.lowercased() {
        state.warnings.append("asked to restart with \(state.coreUsed) but OpenBLAS runs \(current)")
        state.coreUsed = current
      }
      decision = .run(state)
    } else {
      let cpu = CPUFeatures.current
      decision = BLASCoreDecision.decide(
        .init(
          request: request, cpu: cpu, current: current,
          coretypeVariable: environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 },
          simulatedChoice: TestKnobs.current.simulatedOpenBLASChoice,
          probeOpenBLASChoice: { canRestart ? check(core: nil, executable: path).reported : nil },
          verify: { core in
            canRestart
              ? check(core: core, executable: path)
              : CandidateCheck(
                requested: core, reported: nil, selfCheck: nil,
                failure: "cannot run child checks outside the lrd-bench executable")
          }))
    }
    var report: BLASCoreReport
    switch decision {
    case .run(let value):
      report = value
    case .restart(let coretype, var state):
      state.selectionSeconds += seconds(since: start)
      if canRestart { restart(coretype: coretype, state: state, executable: path) }
      state.warnings.append(
        "could not restart with \(coretype ?? "OpenBLAS's own core"); measuring \(current)")
      state.coreUsed = current
      report = state
    }
    let ownCheck = BLAS.selfCheck()
    report.selfCheck = ownCheck
    if !ownCheck.passed {
      let restartable = [.auto, .named, .user].contains(report.selection) && canRestart && inherited == nil
      let message = "the \(current) core FAILED its self-check in this process: \(ownCheck.summary)"
      if restartable {
        var state = report
        state.selection = .fallback
        state.reason = message
        state.warnings.append(message + "; fell back to OpenBLAS's own choice")
        state.selfCheck = nil
        state.selectionSeconds += seconds(since: start)
        restart(coretype: nil, state: state, executable: path)
      }
      report.warnings.append(message + "; its results may be wrong")
    }
    report.selectionSeconds += seconds(since: start)
    let final = report
    established.withLock { $0 = final }
    return final
  }

  static func seconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
  }

  /// Runs `executable blas-check --format json` with `OPENBLAS_CORETYPE` set to `core` (unset when nil) and
  /// reads what it reports.
  ///
  /// A crash, a hang (`childTimeout`) or unreadable output is a failure.
  package static func check(core: String?, executable: String, rates: [String] = []) -> CandidateCheck {
    let outcome = runCheck(core: core, executable: executable, extraArguments: rates)
    switch outcome {
    case .success(let result):
      return CandidateCheck(
        requested: core ?? result.core, reported: result.core, selfCheck: result.selfCheck, failure: nil)
    case .failure(let failure):
      return CandidateCheck(
        requested: core ?? "(OpenBLAS's choice)", reported: nil, selfCheck: nil, failure: failure.description)
    }
  }

  /// A failed child check, in words.
  package struct ChildFailure: Error, Sendable, CustomStringConvertible {
    /// What failed, with the child's exit status or signal.
    package var description: String
  }

  /// The child's full outcome (rates included when `extraArguments` ask for them).
  package static func runCheck(core: String?, executable: String, extraArguments: [String])
    -> Result<BLASCheckOutcome, ChildFailure>
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = ["blas-check", "--format", "json"] + extraArguments
    var environment = ProcessInfo.processInfo.environment
    environment[stateVariable] = nil
    environment[requestVariable] = nil
    environment[simulateVariable] = nil
    environment["OPENBLAS_CORETYPE"] = core
    process.environment = environment
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    let finished = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in finished.signal() }
    do {
      try process.run()
    } catch {
      return .failure(
        ChildFailure(description: "could not start \(executable): \(error.localizedDescription)"))
    }
    // Read while it runs (a full pipe would block the child), on another thread so a hung child
    // cannot hang this one.
    let received = Mutex(Data())
    let readDone = DispatchSemaphore(value: 0)
    let handle = output.fileHandleForReading
    DispatchQueue.global().async {
      let bytes = handle.readDataToEndOfFile()
      received.withLock { $0 = bytes }
      readDone.signal()
    }
    if finished.wait(timeout: .now() + childTimeout) == .timedOut {
      process.terminate()
      _ = readDone.wait(timeout: .now() + 5)
      return .failure(ChildFailure(description: "the check hung (no answer in \(Int(childTimeout)) s)"))
    }
    readDone.wait()
    let data = received.withLock { $0 }
    if process.terminationReason == .uncaughtSignal {
      return .failure(
        ChildFailure(description: "the check crashed (signal \(process.terminationStatus))"))
    }
    guard let result = try? JSONDecoder().decode(BLASCheckOutcome.self, from: data) else {
      return .failure(
        ChildFailure(
          description: "the check exited with status \(process.terminationStatus) and no readable result"))
    }
    return .success(result)
  }

  /// Replaces this process with a fresh copy of itself whose OpenBLAS loads `coretype` (nil: its own choice),
  /// passing the decision on.
  ///
  /// Returns only if exec fails.
  static func restart(coretype: String?, state: BLASCoreReport, executable: String) {
    guard let data = try? JSONEncoder().encode(state) else { return }
    setenv(stateVariable, String(decoding: data, as: UTF8.self), 1)
    if let coretype { setenv("OPENBLAS_CORETYPE", coretype, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
    fflush(nil)
    var arguments = CommandLine.arguments.map { strdup($0) }
    arguments.append(nil)
    execv(executable, &arguments)
    unsetenv(stateVariable)
  }
}

/// One candidate core as `lrd-bench topology` measured it in a child process.
package struct CoreCandidateResult: Codable, Sendable, Equatable {
  /// The core name the child was asked to run.
  package var core: String
  /// The core the child ran (differs from `core` when this build does not offer it).
  package var reported: String?
  /// The child's self-check, nil when it gave no usable answer.
  package var selfCheck: BLASSelfCheck?
  /// Its large-sgemm throughput with 1 thread and all cores (empty when skipped or failed).
  package var rates: [SGEMMRate]
  /// Why the child gave no usable answer (crash, timeout), nil when it did.
  package var failure: String?

  /// The build offers the core and its self-check passed.
  package var accepted: Bool {
    failure == nil && reported?.lowercased() == core.lowercased() && selfCheck?.passed == true
  }
}

extension BLASCoreGate {
  /// The cores `topology` benchmarks: the CPU's candidates, OpenBLAS's own choice and the generic
  /// Prescott core for contrast, without duplicates.
  package static func benchmarkCores(cpu: CPUFeatures, openBLASChoice: String?) -> [String] {
    var cores = OpenBLASCores.candidates(for: cpu)
    for extra in [openBLASChoice, "Prescott"].compactMap({ $0 })
    where !cores.contains(where: { $0.lowercased() == extra.lowercased() }) {
      cores.append(OpenBLASCores.canonical(extra))
    }
    return cores
  }

  /// Self-checks and times an n³ sgemm (1 thread and all cores) with each core, one child each.
  package static func benchmark(
    cores: [String], size: Int, executable: String = "/proc/self/exe", progress: (String) -> Void = { _ in }
  ) -> [CoreCandidateResult] {
    let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: executable)) ?? executable
    return cores.map { core in
      progress(core)
      switch runCheck(core: core, executable: path, extraArguments: ["--sgemm-size", String(size)]) {
      case .success(let outcome):
        return CoreCandidateResult(
          core: core, reported: outcome.core, selfCheck: outcome.selfCheck, rates: outcome.rates, failure: nil
        )
      case .failure(let failure):
        return CoreCandidateResult(
          core: core, reported: nil, selfCheck: nil, rates: [], failure: failure.description)
      }
    }
  }

  /// Whether child checks can run: this process is the lrd-bench executable.
  package static var canRunChildren: Bool {
    let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
    return URL(fileURLWithPath: path).lastPathComponent == "lrd-bench"
  }
}
