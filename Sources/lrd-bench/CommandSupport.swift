import ArgumentParser
import Decomposition
import Foundation
import Harness
import Kernels
import Networks
import Profiling

/// Output formats of the inspection commands.
enum TextFormat: String, ExpressibleByArgument, CaseIterable {
  case text
  case json
}

/// The `--model` option shared by every command that reads the catalog.
struct ModelOption: ParsableArguments {
  @Option(name: .long, help: "Model: resnet50, resnet101 or resnet152.")
  var model: String = "resnet50"

  func resolve() throws -> ResNetModel {
    guard let parsed = ResNetModel(parsing: model) else { throw CatalogError.unknownModel(model) }
    return parsed
  }
}

/// Sampling options shared by the measuring commands.
struct MeasurementOptions: ParsableArguments {
  @Option(
    help:
      "Seconds of measurement per point (warm-up included); sampling stops earlier once the CI target is met."
  )
  var budget: Double?

  @Option(name: .customLong("ci"), help: "Target half-width of the median's 95% CI, relative (0.01 = ±1%).")
  var ciTarget: Double = 0.01

  @Option(
    name: .customLong("min-sample-ms"),
    help: "Minimum length of one sample in milliseconds (calls are batched to reach it).")
  var minimumSampleMilliseconds: Double = 1

  @Option(
    help:
      "Cache state between samples: warm, or cold (flush a buffer 2× the last-level cache before each sample)."
  )
  var cache: String = "warm"

  @Option(
    help:
      "Comma-separated PAPI / perf events to count on every thread (e.g. PAPI_TOT_CYC,perf::TASK-CLOCK); 'none' for none."
  )
  var events: String?

  func configuration(defaultBudget: Double) throws -> SamplerConfiguration {
    guard let state = CacheState(rawValue: cache) else {
      throw HarnessError.invalidOption("--cache '\(cache)': use warm or cold")
    }
    let config = SamplerConfiguration(
      minimumSampleSeconds: minimumSampleMilliseconds / 1000, targetRelativeHalfWidth: ciTarget,
      budgetSeconds: budget ?? defaultBudget, cache: state)
    try config.validate()
    return config
  }

  func eventList(default defaults: [String]) -> [String] {
    guard let events else { return defaults }
    if events.lowercased() == "none" { return [] }
    return events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }
}

/// Batch size and mode, shared by every measuring command.
struct WorkloadOptions: ParsableArguments {
  @Option(help: "Batch size (images per call).")
  var batch: Int = 8

  @Option(help: "inference (forward) or training (forward, backward-data, backward-weights, SGD update).")
  var mode: String = "inference"

  func resolve() throws -> (batch: Int, mode: Mode) {
    guard batch >= 1 else { throw HarnessError.invalidOption("--batch must be at least 1") }
    guard let resolved = Mode(rawValue: mode) else {
      throw HarnessError.invalidOption("--mode '\(mode)': use inference or training")
    }
    return (batch, resolved)
  }
}

/// Parses a binding policy name.
func parseBinding(_ text: String) throws -> BindingPolicy {
  guard let binding = BindingPolicy(rawValue: text) else {
    throw HarnessError.invalidOption("--bind '\(text)': use none, compact or scatter")
  }
  return binding
}

/// One thread config: a thread count and a binding.
struct ThreadConfigOptions: ParsableArguments {
  @Option(help: "BLAS threads (default: all cores).")
  var threads: Int?

  @Option(help: "Thread binding: none, compact or scatter.")
  var bind: String = "compact"

  func resolve(topology: Topology) throws -> ThreadConfig {
    let cores = topology.summary.coreCount
    let count = threads ?? cores
    guard (1...cores).contains(count) else {
      throw ThreadConfigError.tooManyThreads(requested: count, cores: cores)
    }
    return ThreadConfig(threads: count, binding: try parseBinding(bind))
  }
}

/// Several thread configs (sweeps): thread counts and one binding.
struct ThreadListOptions: ParsableArguments {
  @Option(help: "BLAS thread counts, e.g. 1,2 or 1-4 or all (default: 1 and all cores).")
  var threads: String?

  @Option(help: "Thread binding: none, compact or scatter.")
  var bind: String = "compact"

  func configs(topology: Topology) throws -> [ThreadConfig] {
    let binding = try parseBinding(bind)
    let cores = topology.summary.coreCount
    guard let threads else { return ThreadConfig.defaults(cores: cores, binding: binding) }
    return try ThreadConfig.parseThreadList(threads, cores: cores).map {
      ThreadConfig(threads: $0, binding: binding)
    }
  }
}

/// Rank-selection options shared by `sweep` and `ranks`.
struct PolicyOptions: ParsableArguments {
  @Option(help: "Rank-selection policies: paper, robust, fastest, or all.")
  var policy: String = "paper,robust"

  @Option(help: "Also measure the original layer alone after every N ranks (drift report).")
  var referenceEvery: Int = 16

  @Option(help: "Throughput difference the robust policy treats as a tie (0.05 = 5%).")
  var tieTolerance: Double = RankPolicy.defaultTolerance

  @Option(
    help:
      "Seconds for the interleaved check of each chosen rank against the original; 0 skips it (default: 1 for sweep, 0.5 for ranks)."
  )
  var confirmBudget: Double?

  func resolve(defaultConfirmBudget: Double) throws -> (
    policies: [RankPolicy], referenceEvery: Int, tieTolerance: Double, confirmBudget: Double
  ) {
    guard referenceEvery >= 1 else {
      throw HarnessError.invalidOption("--reference-every must be at least 1")
    }
    guard tieTolerance >= 0 else { throw HarnessError.invalidOption("--tie-tolerance must be ≥ 0") }
    let confirm = confirmBudget ?? defaultConfirmBudget
    guard confirm >= 0 else { throw HarnessError.invalidOption("--confirm-budget must be ≥ 0") }
    return (try RankPolicy.parseList(policy), referenceEvery, tieTolerance, confirm)
  }
}

/// `--blas-core`, shared by every command that runs BLAS: establishes the OpenBLAS core before
/// anything is measured (may restart the process with `OPENBLAS_CORETYPE`).
struct BLASCoreOptions: ParsableArguments {
  @Option(
    name: .customLong("blas-core"),
    help: ArgumentHelp(
      "OpenBLAS core: auto (replace a generic core by the best verified one), keep (measure what OpenBLAS chose), or a core name such as SkylakeX or Haswell (default: $LRD_BENCH_BLAS_CORE or auto).",
      valueName: "auto|keep|NAME"))
  var blasCore: String?

  /// Establishes the core and prints its warnings on stderr.
  @discardableResult
  func establish() throws -> BLASCoreReport {
    let report = BLASCoreGate.establish(try BLASCoreGate.request(option: blasCore))
    for warning in report.warnings { printError("warning: \(warning)") }
    return report
  }
}

/// Runs a command body, turning errors into a one-line message on stderr and an exit code:
/// bad input (unknown names, ranges, options) → 64; anything else → 1. No stack traces.
func guarded(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let exit as ExitCode {
    throw exit
  } catch {
    printError("error: \(error)")
    switch error {
    case is CatalogError, is DecompositionError, is ThreadConfigError, is SamplerError, is KernelError,
      is BLASCoreError:
      throw ExitCode(64)
    case HarnessError.invalidOption, HarnessError.resume:
      throw ExitCode(64)
    default:
      throw ExitCode(1)
    }
  }
}

/// Writes `text` to stdout.
func emit(_ text: String) {
  FileHandle.standardOutput.write(Data(text.utf8))
}
