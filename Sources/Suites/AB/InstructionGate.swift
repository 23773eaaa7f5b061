import Decomposition
import Foundation
import Harness
import Machine
import Networks
import Profiling
import Programs
import Support

/// Instruction counts, the A/B run's deterministic second signal: each 1-thread layer case of both builds
/// runs under `valgrind --tool=callgrind --instr-atstart=no`, counting only the timed calls (callgrind's
/// client requests around them, `Callgrind.count`) at batch 1, with random factors of the factorization's
/// shapes (the same work per call; no SVD under valgrind), on an AVX2 kernel path (`OPENBLAS_CORETYPE=Haswell`,
/// `ONEDNN_MAX_CPU_ISA=AVX2`: valgrind does not run AVX-512).
///
/// It guards lrd-bench's own code (im2col, batch norm, pooling, SGD, gradient plumbing); the libraries'
/// kernels are counted on their AVX2 path, and threading is not counted at all (1 thread).
package enum InstructionGate {
  /// The environment every counted process gets on top of its build's.
  package static let environment = [
    "OPENBLAS_CORETYPE": "Haswell", "ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_NUM_THREADS": "1",
  ]
  /// Calls counted per case (one: the count is deterministic, and each call costs about 50× its native time).
  package static let calls = 1
  /// Images per counted call: 1, whatever the suite's batch (instructions grow with the batch; batch 1 keeps
  /// the gate to minutes under valgrind).
  package static let batch = 1

  /// One build's count of one case.
  package struct Count: Codable, Sendable, Equatable {
    package var perCall: Double
    /// The callgrind output file.
    package var file: String
  }

  /// One case's counts on both builds.
  package struct Comparison: Codable, Sendable, Equatable {
    package var name: String
    /// The base build's instructions per call.
    package var base: Double
    /// The new build's instructions per call.
    package var new: Double
    /// new ÷ base − 1.
    package var change: Double
    /// |change| > the gate's tolerance.
    package var flagged: Bool
    /// The functions whose counts changed most (name, base, new instructions per call), when flagged.
    package var functions: [FunctionChange]
  }

  /// A function's instructions per call on both builds.
  package struct FunctionChange: Codable, Sendable, Equatable {
    /// The function (file:function as callgrind_annotate names it).
    package var function: String
    /// Base instructions per call.
    package var base: Double
    /// New instructions per call.
    package var new: Double
  }

  /// The cases the gate counts: 1-thread layer cases.
  package static func eligible(_ cases: [SuiteCase]) -> [SuiteCase] {
    cases.filter {
      guard case .layer = $0.point.target else { return false }
      return $0.threads.threads == 1
    }
  }

  /// Counts `name` of `suite` on both builds under callgrind at once (one process per core; counting is not
  /// timing), writing into `directory`.
  package static func count(
    _ name: String, suite: String, builds: [(label: String, build: ABBuild)], directory: String
  ) throws -> [Count] {
    let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "_" })
    var running: [(Process, String, String, String)] = []
    for (label, build) in builds {
      let file = "\(directory)/callgrind.\(label).\(safe)"
      try? FileManager.default.removeItem(atPath: file)
      let executable = try strippedCopy(of: build.path, label: label, directory: directory)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/valgrind")
      process.arguments = [
        "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=\(file)", executable, "instructions",
        suite,
        "--case", name, "--calls", "\(calls)", "--batch", "\(batch)", "--blas-core", "keep",
      ]
      process.environment = ProcessInfo.processInfo.environment.merging(build.environmentDictionary) { _, b in
        b
      }
      .merging(environment) { _, b in b }
      let log = file + ".log"
      process.standardOutput = FileHandle.nullDevice
      process.standardError = LogFile.open(log)
      do {
        try process.run()
      } catch {
        throw ABError.workerFailed(
          path: "/usr/bin/valgrind", detail: "cannot start valgrind (install it: scripts/setup)")
      }
      running.append((process, file, log, build.path))
    }
    return try running.map { process, file, log, path in
      process.waitUntilExit()
      guard process.terminationStatus == 0, let text = try? String(contentsOfFile: file, encoding: .utf8),
        let total = totals(text)
      else {
        throw ABError.workerFailed(
          path: path,
          detail: "counting \(name) under callgrind failed (exit \(process.terminationStatus)); see \(log)")
      }
      return Count(perCall: Double(total) / Double(calls), file: file)
    }
  }

  /// A copy of `path` without its DWARF debug information (`objcopy --strip-debug`), made once per build:
  /// valgrind 3.19 cannot read the DWARF 5 that Swift 6 writes; the symbol table, which names the functions,
  /// stays.
  static func strippedCopy(of path: String, label: String, directory: String) throws -> String {
    let copy = "\(directory)/lrd-bench.\(label)"
    let source = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? nil
    let made = (try? FileManager.default.attributesOfItem(atPath: copy)[.modificationDate] as? Date) ?? nil
    if let source, let made, made > source { return copy }
    try? FileManager.default.removeItem(atPath: copy)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/objcopy")
    process.arguments = ["--strip-debug", path, copy]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw ABError.workerFailed(
        path: path, detail: "cannot run objcopy to strip debug info (install binutils)")
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ABError.workerFailed(path: path, detail: "objcopy --strip-debug failed on it")
    }
    return copy
  }

  /// The instruction total of a callgrind output file (its `totals:` or `summary:` line).
  package static func totals(_ text: String) -> Int? {
    for line in text.split(separator: "\n").reversed()
    where line.hasPrefix("totals:") || line.hasPrefix("summary:") {
      if let value = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) { return value }
    }
    return nil
  }

  /// Per function instructions from `callgrind_annotate FILE` (function → Ir).
  package static func functions(_ file: String) -> [String: Double] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/callgrind_annotate")
    process.arguments = ["--threshold=100", file]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return [:] }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return parseAnnotate(String(decoding: data, as: UTF8.self))
  }

  /// Lines like `12,345,678 (41.2%)  file.c:function [lib]` → function → 12345678.
  static func parseAnnotate(_ text: String) -> [String: Double] {
    var result: [String: Double] = [:]
    for line in text.split(separator: "\n") {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard let first = trimmed.first, first.isNumber else { continue }
      let parts = trimmed.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
      guard parts.count == 2, let value = Double(parts[0].replacingOccurrences(of: ",", with: "")) else {
        continue
      }
      var rest = parts[1].trimmingCharacters(in: .whitespaces)
      if rest.hasPrefix("("), let close = rest.firstIndex(of: ")") {
        rest = rest[rest.index(after: close)...].trimmingCharacters(in: .whitespaces)
      }
      guard rest.contains(":"), !rest.hasPrefix("PROGRAM TOTALS") else { continue }
      // The builds' own binaries have different paths: name their functions without the object.
      if let open = rest.range(of: " [", options: .backwards), rest.hasSuffix("]"),
        URL(fileURLWithPath: String(rest[open.upperBound...].dropLast())).lastPathComponent.hasPrefix(
          "lrd-bench")
      {
        rest = String(rest[..<open.lowerBound])
      }
      result[rest, default: 0] += value
    }
    return result
  }

  /// Compares both builds' counts of a case; flags |change| > `tolerance` and names the `top` functions whose
  /// counts changed most.
  package static func compare(
    name: String, base: Count, new: Count, tolerance: Double = 0.005, top: Int = 5
  ) -> Comparison {
    let change = new.perCall / base.perCall - 1
    let flagged = abs(change) > tolerance
    var functions: [FunctionChange] = []
    if flagged {
      let a = Self.functions(base.file)
      let b = Self.functions(new.file)
      let perCall = Double(calls)
      functions = Set(a.keys).union(b.keys).map {
        FunctionChange(function: $0, base: (a[$0] ?? 0) / perCall, new: (b[$0] ?? 0) / perCall)
      }.sorted { abs($0.new - $0.base) > abs($1.new - $1.base) }.prefix(top).map { $0 }
    }
    return Comparison(
      name: name, base: base.perCall, new: new.perCall, change: change, flagged: flagged, functions: functions
    )
  }
}

/// The worker side of the gate: build a case's program, run it once, then count `calls` calls.
package enum InstructionProbe {
  /// Builds `item`'s program at `batch` on `topology` (1 thread) with random factors of the factorization's shapes (the
  /// same work per call; no SVD, which valgrind runs hundreds of times slower), then counts `calls` calls (the
  /// first included: what a first call initialises is the same on every run).
  package static func run(_ item: SuiteCase, topology: Topology, calls: Int, batch: Int) throws {
    guard case .layer(let model, let layer, let factorization, let frozen) = item.point.target,
      item.threads.threads == 1
    else {
      throw HarnessError.invalidRequest("\(item.name): instruction counts cover 1-thread layer cases only")
    }
    _ = try topology.apply(item.threads)
    let spec = try ModelCatalog(model).layer(named: layer)
    let decomposed = try DecomposedLayer.randomFactors(of: spec, factorization, seed: FNV1a.hash(item.name))
    let program = try LayerProgram(decomposed, batch: batch, mode: item.point.mode, frozen: frozen)
    Callgrind.count {
      for _ in 0..<calls { program.run() }
    }
  }
}
