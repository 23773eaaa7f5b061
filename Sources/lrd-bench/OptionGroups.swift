import ArgumentParser
import Decomposition
import Foundation
import Harness
import Machine
import Networks
import ONNX
import Profiling
import Programs
import Support
import Tensors

/// Each option group lists the names of the options the user gave, so `--resume` can refuse them
/// (the saved plan decides) instead of ignoring them silently.
protocol GivenOptions {
  var given: [String] { get }
}

/// `--model`.
struct ModelOption: ParsableArguments, GivenOptions {
  @Option(help: "Model (default: resnet50).")
  var model: ModelArgument?

  var resolved: ResNetModel { model?.value ?? .resnet50 }
  var given: [String] { model == nil ? [] : ["--model"] }
}

/// Sampling options shared by the measuring commands; defaults differ per command (each command's
/// help states its own).
struct MeasurementOptions: ParsableArguments, GivenOptions {
  @Option(
    parsing: .unconditional,
    help:
      "Seconds of measurement per point, warm-up included: sampling stops once the CI target is met or this is spent, but never before the minimum samples (10; a slow point, such as a whole network, takes longer), and a noisy point may go on up to 3× this when it is projected to reach the target."
  )
  var budget: Double?

  @Option(
    name: .customLong("ci"), parsing: .unconditional,
    help: "Target half-width of the 95% CI, relative (default 0.01 = ±1%).")
  var ciTarget: Double?

  @Option(
    name: .customLong("min-sample-ms"), parsing: .unconditional,
    help: "Minimum length of one sample in milliseconds; calls are batched to reach it (default 1).")
  var minimumSampleMilliseconds: Double?

  @Option(
    help:
      "Cache state between samples (default warm); cold flushes every bound core's caches before each sample."
  )
  var cache: Choice<CacheState>?

  @Option(
    help:
      "Comma-separated PAPI or perf:: events counted on every thread (e.g. PAPI_TOT_CYC,perf::TASK-CLOCK); none for none."
  )
  var events: String?

  var given: [String] {
    [
      ("--budget", budget != nil), ("--ci", ciTarget != nil),
      ("--min-sample-ms", minimumSampleMilliseconds != nil),
      ("--cache", cache != nil), ("--events", events != nil),
    ].filter(\.1).map(\.0)
  }

  /// The sampler settings with this command's default budget.
  func configuration(defaultBudget: Double) throws -> SamplerConfiguration {
    let config = SamplerConfiguration(
      minimumSampleSeconds: (minimumSampleMilliseconds ?? 1) / 1000,
      targetRelativeHalfWidth: ciTarget ?? 0.01,
      budgetSeconds: budget ?? defaultBudget, cache: cache?.value ?? .warm)
    try config.validate()
    return config
  }

  /// The events to count (this command's defaults unless --events), checked against known names.
  func eventList(default defaults: [String]) throws -> [String] {
    guard let events else { return defaults }
    let list = EventNames.parse(events)
    try EventNames.validate(list)
    return list
  }
}

/// `--batch` and `--mode`.
struct WorkloadOptions: ParsableArguments, GivenOptions {
  @Option(parsing: .unconditional, help: "Batch size in images per call (default 8).")
  var batch: Int?

  @Option(
    help:
      "inference (forward) or training (forward, backward-data, backward-weights, SGD update); default inference."
  )
  var mode: Choice<Mode>?

  var given: [String] { [("--batch", batch != nil), ("--mode", mode != nil)].filter(\.1).map(\.0) }

  func resolve() throws -> (batch: Int, mode: Mode) {
    let value = batch ?? 8
    guard value >= 1 else { throw HarnessError.invalidRequest("--batch must be at least 1, got \(value)") }
    return (value, mode?.value ?? .inference)
  }
}

/// `--threads` and `--bind`: the same syntax everywhere (counts, ranges, all).
struct ThreadOptions: ParsableArguments, GivenOptions {
  @Option(
    help:
      "BLAS thread counts: 1,2 or 1-4 or all. sweep measures each; other commands take one (default: 1 and all cores for sweep, all cores elsewhere)."
  )
  var threads: String?

  @Option(help: "Thread binding (default compact).")
  var bind: Choice<BindingPolicy>?

  var given: [String] { [("--threads", threads != nil), ("--bind", bind != nil)].filter(\.1).map(\.0) }

  var binding: BindingPolicy { bind?.value ?? .compact }

  /// Every config of the list (default: 1 and all cores).
  func configs(cores: Int) throws -> [ThreadConfig] {
    guard let threads else { return ThreadConfig.defaults(cores: cores, binding: binding) }
    return try ThreadConfig.parseThreadList(threads, cores: cores).map {
      ThreadConfig(threads: $0, binding: binding)
    }
  }

  /// One config (default: all cores); a list of several is an error naming the command.
  func single(cores: Int, command: String) throws -> ThreadConfig {
    guard let threads else { return ThreadConfig(threads: cores, binding: binding) }
    let counts = try ThreadConfig.parseThreadList(threads, cores: cores)
    guard counts.count == 1 else {
      throw HarnessError.invalidRequest(
        "\(command) measures one thread config; give one count with --threads (got \(counts.count)); sweep takes lists"
      )
    }
    return ThreadConfig(threads: counts[0], binding: binding)
  }
}

/// `--ratio` and `--step`, shared by sweep and ranks.
struct RatioOptions: ParsableArguments, GivenOptions {
  @Option(
    parsing: .unconditional,
    help: "Compression ratio α; the starting rank R divides the layer's parameters by α (default 2).")
  var ratio: Double?

  @Option(parsing: .unconditional, help: "Rank step (default 1).")
  var step: Int?

  var given: [String] { [("--ratio", ratio != nil), ("--step", step != nil)].filter(\.1).map(\.0) }

  func resolvedRatio() throws -> Double {
    let value = ratio ?? 2
    guard value > 1, value.isFinite else { throw DecompositionError.badCompressionRatio(value) }
    return value
  }
}

/// Rank-selection options shared by `sweep` and `ranks`.
struct PolicyOptions: ParsableArguments, GivenOptions {
  @Option(
    help:
      "Rank-selection policies, comma-separated: paper (Algorithm 1 as printed), paper+anchor (R can be chosen too), robust, fastest, or all (default paper,robust)."
  )
  var policy: String?

  @Option(
    parsing: .unconditional,
    help: "Also measure the original layer alone after every N ranks, for the drift report (default 16).")
  var referenceEvery: Int?

  @Option(
    parsing: .unconditional,
    help: "Throughput margin within which robust treats a rank as tied with the best (default 0.05 = 5%).")
  var tieTolerance: Double?

  @Option(
    parsing: .unconditional,
    help: "Seconds for the paired check of each chosen rank against the original; 0 skips it.")
  var confirmBudget: Double?

  var given: [String] {
    [
      ("--policy", policy != nil), ("--reference-every", referenceEvery != nil),
      ("--tie-tolerance", tieTolerance != nil), ("--confirm-budget", confirmBudget != nil),
    ].filter(\.1).map(\.0)
  }

  func resolve(defaultConfirmBudget: Double) throws -> (
    policies: [RankPolicy], referenceEvery: Int, tieTolerance: Double, confirmBudget: Double
  ) {
    (
      try RankPolicy.parseList(policy ?? "paper,robust"), referenceEvery ?? 16,
      tieTolerance ?? RankPolicy.defaultTolerance, confirmBudget ?? defaultConfirmBudget
    )
  }
}

/// `--strategy`, `--passes` and `--seed` of sweep and ranks: which ranks are measured, and in what order.
struct SweepOrderOptions: ParsableArguments, GivenOptions {
  @Option(
    help:
      "Ranks to measure: full (every rank of the window) or cliffs (the ranks where the kernels' blocking can change the time — multiples of half the SIMD width and their successors, and the window's ends — then the neighbours of every chosen rank until none is unmeasured; docs/methods.md) (default full)."
  )
  var strategy: Choice<SweepStrategy>?

  @Option(
    parsing: .unconditional,
    help:
      "Passes over the ranks, each in a fresh random order with 1/N of the budget; a rank's samples are pooled over the passes and its CI carries their spread (default 3)."
  )
  var passes: Int?

  @Option(parsing: .unconditional, help: "Seed of the random order of the ranks in each pass (default 1).")
  var seed: UInt64?

  var given: [String] {
    [("--strategy", strategy != nil), ("--passes", passes != nil), ("--seed", seed != nil)].filter(\.1).map(
      \.0)
  }

  /// The order these options ask for (defaults: full, 3 passes, seed 1).
  var resolved: SweepOrder {
    SweepOrder(strategy: strategy?.value ?? .full, passes: passes ?? 3, seed: seed ?? 1)
  }
}

/// `--out`, `--resume` and `--quiet` of the commands that write a run directory.
struct RunDirectoryOptions: ParsableArguments {
  @Option(help: "Output directory (a new or empty one; default results/<kind>s/<name>-<UTC time>).")
  var out: String?

  @Option(help: "Continue the interrupted run in this directory; its saved plan decides every option.")
  var resume: String?

  @Flag(help: "No progress output on stderr (warnings still appear).")
  var quiet = false

  /// Refuses plan options given together with --resume, naming them.
  func checkResume(given: [String]) throws {
    guard let resume else { return }
    if out != nil { throw ValidationError("--resume \(resume) writes into that directory; drop --out") }
    if !given.isEmpty {
      throw ValidationError(
        "--resume continues the saved plan of \(resume); drop \(given.joined(separator: ", ")) "
          + "(or start a new run without --resume)")
    }
  }
}

/// `--blas-core`, shared by every command that runs BLAS: establishes the OpenBLAS core before
/// anything is measured (may restart the process with `OPENBLAS_CORETYPE`).
struct BLASCoreOptions: ParsableArguments {
  @Option(
    name: .customLong("blas-core"),
    help: ArgumentHelp(
      "OpenBLAS core: auto (replace a generic core by the best verified one), keep (measure what OpenBLAS chose), or a core name such as SkylakeX (default: $LRD_BENCH_BLAS_CORE or auto).",
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

/// `--backend`: the library the kernels run on.
struct BackendOptions: ParsableArguments {
  @Option(
    help:
      "Kernel library: openblas (default, or $LRD_BENCH_BACKEND), blis (im2col + BLIS GEMMs) or onednn (oneDNN's convolution primitives)."
  )
  var backend: Choice<GEMMBackend>?

  /// The backend a new run measures on: `--backend`, else the one in use (`$LRD_BENCH_BACKEND`'s).
  var resolved: GEMMBackend { backend?.value ?? BLAS.backend }

  /// Switches the process to the requested backend (after the BLAS core is established).
  func establish() throws {
    if let backend { try BLAS.use(backend.value) }
  }
}

/// `--backend` of the whole-network commands (`model`, `table`): one backend, or `best:PATH`.
struct NetworkBackendOptions: ParsableArguments {
  @Option(
    help:
      "Kernel library: openblas (default, or $LRD_BENCH_BACKEND), blis, onednn, or best:PATH (each layer on its fastest backend as measured in the JSON output of `kernels --backend all` or a `ranks --backend all` directory)."
  )
  var backend: NetworkBackend?

  /// The backend switched to (`establish`): the one given, or the process's for `best:PATH`.
  var processBackend: GEMMBackend? {
    if case .single(let backend) = backend { return backend }
    return nil
  }

  /// The per-layer backends of `best:PATH` for `model` (nil for a single backend).
  func layerBackends(for model: ResNetModel) throws -> [String: GEMMBackend]? {
    guard case .best(let path) = backend else { return nil }
    return try BestBackends.load(path, model: model)
  }

  /// Switches the process to the requested single backend (after the BLAS core is established).
  func establish() throws {
    if let processBackend { try BLAS.use(processBackend) }
  }
}

/// One kernel backend, or every layer on its fastest one (`best:PATH`).
enum NetworkBackend: ExpressibleByArgument, Sendable {
  case single(GEMMBackend)
  case best(String)

  init?(argument: String) {
    if argument.lowercased().hasPrefix("best:"), argument.count > 5 {
      self = .best(String(argument.dropFirst(5)))
    } else if let backend = GEMMBackend(rawValue: argument.lowercased()) {
      self = .single(backend)
    } else {
      return nil
    }
  }

  static var allValueStrings: [String] { GEMMBackend.allCases.map(\.rawValue) + ["best:PATH"] }

  /// The value as given (`onednn`, `best:PATH`).
  var text: String {
    switch self {
    case .single(let backend): return backend.rawValue
    case .best(let path): return "best:" + path
    }
  }
}

/// `--backend` values of the commands that can also measure every backend (`kernels`, `sweep`).
enum BackendSelection: String, CaseIterable, Sendable {
  case openblas, blis, onednn, all

  var backends: [GEMMBackend] {
    switch self {
    case .openblas: return [.openblas]
    case .blis: return [.blis]
    case .onednn: return [.onednn]
    case .all: return GEMMBackend.allCases
    }
  }
}

/// `--no-backend-check`: the backend check of `sweep`, `ranks`, `model` and `table`.
struct BackendCheckOptions: ParsableArguments {
  @Flag(
    name: .customLong("no-backend-check"),
    help:
      "Skip the backend check: before measuring, the original layer (sweep) or network (ranks, model, table: batch 1, inference) runs briefly on every installed kernel library (≤ 2 s of timing) and the report warns when the library in use takes more than 1.25× the fastest one's time. It never changes the measurement."
  )
  var skip = false

  /// Runs `check` unless skipped, saying so on stderr (unless `quiet`) with its one-line outcome.
  func run(quiet: Bool, _ check: () throws -> BackendCheck) throws -> BackendCheck? {
    guard !skip else { return nil }
    if !quiet { printError("backend check: timing the original on every installed library (≤ 2 s)…") }
    let result = try check()
    if !quiet, let slowdown = result.slowdown, let fastest = result.fastest {
      printError(
        "backend check: \(result.inUse.libraryName) \(String(format: "%.2f", slowdown))× the time of the fastest "
          + "(\(fastest.libraryName))"
          + (result.warns ? " — warning: speed-ups here are inflated (see the report)" : ""))
    }
    return result
  }
}

/// `--shard i/n` of the studies that split (ranks, sweep, branches, table).
struct ShardOption: ParsableArguments, GivenOptions {
  @Option(
    help: ArgumentHelp(
      "Measure only shard i of n of the study's work list (ranks: distinct layer shapes; sweep: thread configs; branches: branch counts; table: models), split by estimated cost, the same for the same options; join the shards' directories with lrd-bench merge.",
      valueName: "i/n"))
  var shard: String?

  var given: [String] { shard == nil ? [] : ["--shard"] }

  /// The shard, nil when not given; `multiBackend` (a `--backend all` study) cannot be split.
  func resolve(multiBackend: Bool = false) throws -> Shard? {
    guard let shard else { return nil }
    let parsed = try Self.parse(shard)
    guard !multiBackend else {
      throw HarnessError.invalidRequest(
        "--shard splits one backend's study; give --backend openblas, blis or onednn")
    }
    return parsed
  }

  /// "i/n" as a shard, or an error naming the option and the form.
  static func parse(_ text: String) throws -> Shard {
    guard let parsed = Shard(parsing: text) else {
      throw HarnessError.invalidRequest(
        "--shard '\(ClosestNames.truncated(text))': use i/n with 1 ≤ i ≤ n, e.g. 2/3")
    }
    return parsed
  }
}

/// `--onnx FILE` and `--input-shape N,C,H,W`: a user's model instead of a catalog ResNet.
struct ONNXOptions: ParsableArguments, GivenOptions {
  @Option(
    help: ArgumentHelp(
      "An ONNX model (exported from PyTorch, TensorFlow, …) whose conv and linear layers are used with their real weights, instead of --model; layer names are its weights' (layer4.2.conv2) or its nodes' names, as Netron shows them.",
      valueName: "file"))
  var onnx: String?

  @Option(
    help: ArgumentHelp(
      "The ONNX model's input shape, for a file whose input is dynamic or missing (with --onnx).",
      valueName: "N,C,H,W"))
  var inputShape: String?

  var given: [String] {
    [("--onnx", onnx != nil), ("--input-shape", inputShape != nil)].filter(\.1).map(\.0)
  }

  /// The imported model, nil without --onnx; `model` is the command's --model group (not both).
  func open(model: ModelOption) throws -> ImportedModel? {
    try open(replacing: model.model != nil ? "--model" : nil)
  }

  /// The imported model, nil without --onnx; `models` is the command's --models (not both).
  func open(models: String?) throws -> ImportedModel? {
    try open(replacing: models != nil ? "--models" : nil)
  }

  /// The imported model; `conflicting` names the catalog option also given, if any.
  private func open(replacing conflicting: String?) throws -> ImportedModel? {
    guard let onnx else {
      if inputShape != nil { throw ValidationError("--input-shape goes with --onnx FILE") }
      return nil
    }
    if let conflicting { throw ValidationError("--onnx replaces \(conflicting); give one of them") }
    var shape: [Int]?
    if let inputShape {
      guard let parsed = CommaList.integers(inputShape), parsed.count == 4, parsed.allSatisfy({ $0 >= 1 })
      else {
        throw ValidationError(
          "--input-shape '\(ClosestNames.truncated(inputShape))': give N,C,H,W, e.g. 1,3,224,224")
      }
      shape = parsed
    }
    return try ImportedModel.open(onnx, inputShape: shape)
  }
}
