import ArgumentParser
import Foundation
import Harness
import Machine
import Profiling
import Reports
import Support
import Tensors

/// The child process behind `--blas-core auto` and `topology`: reports the core this process runs, its
/// self-check and optionally large-sgemm throughput, as JSON.
///
/// Not for direct use.
struct BLASCheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "blas-check",
    abstract:
      "Self-check (and optionally benchmark) the OpenBLAS core this process runs; used in child processes.",
    discussion: """
      lrd-bench runs this in a child process with OPENBLAS_CORETYPE set to verify a core before trusting it (a core that computes wrong results or crashes cannot take the command down). LRD_BENCH_SELFCHECK_FAULT=gemm or =crash injects a fault (tests of the fallback).
      """,
    shouldDisplay: false)

  @Option(help: "Output format: text or json.")
  var format: TextFormat = .text

  @Option(help: "Also time an N×N×N sgemm (GFLOP/s) on each of --rate-threads.")
  var sgemmSize: Int?

  @Option(help: "Thread counts for the sgemm timing, comma-separated (default: 1 and all cores).")
  var rateThreads: String?

  @Flag(help: "Print the candidate cores for this CPU (best first), one per line, and exit.")
  var candidates = false

  @Option(help: "Exit 2 unless OpenBLAS runs this core (a build that does not offer it falls back silently).")
  var expectCore: String?

  func run() throws {
    try guarded {
      if candidates {
        emit(OpenBLASCores.candidates(for: .current).joined(separator: "\n") + "\n")
        return
      }
      if let expectCore, expectCore.lowercased() != BLAS.coreName.lowercased() {
        printError("OpenBLAS runs \(BLAS.coreName), not \(expectCore)")
        throw ExitCode(2)
      }
      let fault = TestKnobs.current.selfCheckFault
      if fault == .crash { abort() }
      let check =
        fault == .gemm
        ? BLAS.selfCheck(sgemm: { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
          BLAS.systemSGEMM(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
          c[(m - 1) * ldc + n - 1] += 1  // a broken tail
        })
        : BLAS.selfCheck()
      var rates: [SGEMMRate] = []
      if let size = sgemmSize {
        guard size >= 1 else { throw HarnessError.invalidRequest("--sgemm-size must be at least 1") }
        let topology = try Topology()
        let counts =
          try rateThreads.map { try ThreadConfig.parseThreadList($0, cores: topology.summary.coreCount) }
          ?? ThreadConfig.defaults(cores: topology.summary.coreCount).map(\.threads)
        for threads in counts {
          try topology.apply(ThreadConfig(threads: threads, binding: .compact))
          rates.append(PeakSGEMM.measure(size: size, threads: threads))
        }
      }
      let outcome = BLASCheckOutcome(
        core: BLAS.coreName, configuration: BLAS.configuration, selfCheck: check, rates: rates)
      if format == .json {
        emit(String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self) + "\n")
      } else {
        emit("core \(outcome.core): self-check \(check.summary)\n")
        for rate in rates {
          emit(
            "sgemm \(rate.size)³ on \(rate.threads) threads: \(Format.fixed(rate.gflops, 1)) GFLOP/s\n"
          )
        }
      }
      if !check.passed { throw ExitCode(1) }
    }
  }
}
