import ArgumentParser
import Decomposition
import Harness
import Machine
import ONNX
import Profiling
import Programs
import Reports

struct ModelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "model",
    abstract:
      "Measure a whole network as one variant: time per step, images/s, % of peak, where the time goes.",
    discussion: """
      Builds ResNet-50/101/152 (torchvision v1.5 graph, NHWC, random He weights seeded per layer) as a variant of the paper's techniques and times one step: a forward pass (inference, batch norm with running statistics) or forward, softmax cross-entropy on random labels, backward and an SGD update (training). Prints the time per step with its 95% CI, images/s, parameters, FLOPs, the paper's layer count, the output's relative error against the original network on one batch, GFLOP/s against a 2048³ sgemm on the same threads (measured before and after), the share of each operation kind, counters and the machine fingerprint.

      Variants: \(NetworkVariant.forms). lrd is vanilla LRD at --ratio (bottleneck 1×1, downsample and fc by SVD; 3×3 by Tucker-2; the stem kept original). optimized:DIR takes each layer's rank or ORG from a finished `lrd-bench ranks` run, under --policy.

      With --onnx FILE (a model exported to ONNX, see lrd-bench layers --onnx): the file's whole graph with its real weights, as inference operations (--graph eager: each its own pass over memory, as a framework runs them; fused: batch norm folded into the convolutions with the ReLU after it, other ReLUs in place, add + ReLU in one pass), and its vanilla LRD (every layer with groups 1 but the first at --ratio), timed paired in one run: time per batch with 95% CIs, images/s, GFLOP/s, the paired speed-up, and LRD's output error against the original's. --variant optimized:DIR with --policy times the ranks a ranks --onnx study of the same file chose instead of vanilla LRD. --mode training, --profile-steps and --backend best: do not apply.

      Defaults here: --variant lrd, --mode inference, --batch 8, --threads all cores, --budget 10 s, --profile-steps 2, --events perf::TASK-CLOCK,perf::PAGE-FAULTS,perf::CONTEXT-SWITCHES.
      """)

  @OptionGroup var model: ModelOption
  @OptionGroup var onnx: ONNXOptions

  @Option(help: "Network variant (default lrd): \(NetworkVariant.forms).")
  var variant: String?

  @Option(parsing: .unconditional, help: "Compression ratio α of lrd layers (default 2).")
  var ratio: Double?

  @Option(help: "Which ranks optimized:DIR uses (default robust).")
  var policy: Choice<RankPolicy>?

  @OptionGroup var workload: WorkloadOptions
  @OptionGroup var threads: ThreadOptions
  @OptionGroup var measurement: MeasurementOptions

  @Option(
    name: .customLong("profile-steps"), parsing: .unconditional,
    help: "Steps profiled by operation kind after timing, 1…100 (default 2).")
  var profileSteps: Int?

  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backendCheck: BackendCheckOptions
  @OptionGroup var backend: NetworkBackendOptions

  @Option(
    help:
      "With --onnx: eager (every operation its own pass, as a framework runs it; the default) or fused (batch norm folded into the convolutions with the ReLU after it, other ReLUs in place, add + ReLU in one pass, as inference engines run it)."
  )
  var graph: GraphMode?

  @Option(help: "Output format.")
  var format: TextFormat = .text

  /// Events counted by default for whole networks (software events; hardware ones when asked).
  static let defaultEvents = ["perf::TASK-CLOCK", "perf::PAGE-FAULTS", "perf::CONTEXT-SWITCHES"]

  func run() throws {
    try guarded {
      let topology = try Topology()
      let (batch, mode) = try workload.resolve()
      if graph != nil && onnx.onnx == nil {
        throw ValidationError("--graph applies to --onnx networks; give --onnx FILE")
      }
      if let imported = try onnx.open(model: model) {
        return try runImported(imported, batch: batch, mode: mode, topology: topology)
      }
      var spec = ModelSpec(
        model: model.resolved, variant: try NetworkVariant(parsing: variant ?? "lrd"), ratio: ratio ?? 2,
        policy: policy?.value ?? .robust, batch: batch, mode: mode,
        threads: try threads.single(cores: topology.summary.coreCount, command: "model"))
      spec.layerBackends = try backend.layerBackends(for: spec.model)
      let sampler = try measurement.configuration(defaultBudget: 10)
      guard sampler.cache == .warm else {
        throw HarnessError.invalidRequest(
          "--cache cold is not available for whole networks (a network is far larger than the caches); drop it"
        )
      }
      let steps = profileSteps ?? 2
      guard (1...100).contains(steps) else {
        throw HarnessError.invalidRequest("--profile-steps must be within 1…100, got \(steps)")
      }
      let events = try measurement.eventList(default: Self.defaultEvents)
      // Bad input fails here, before the BLAS core check and before anything is allocated.
      let runner = ModelRunner(events: events)
      try runner.checkMemory(spec, paired: false)
      if mode == .inference && spec.variant.frozen {
        printError(
          "warning: frozen has no effect in inference mode (nothing is trained); use --mode training")
      }
      try blasCore.establish()
      try backend.establish()
      // Per-layer backends (best:PATH) have no single library in use to check.
      let check =
        spec.layerBackends != nil
        ? nil
        : try backendCheck.run(quiet: false) {
          try BackendChecker.network(spec.model, threads: spec.threads, topology: topology)
        }
      Interruption.install()
      var result = try ModelTiming.run(
        spec, sampler: sampler, events: events, topology: topology, profileSteps: steps)
      result.backendCheck = check
      emit(format == .json ? try ModelReport.json(result) : ModelReport.text(result))
      if result.point.measurement.stopReason == .interrupted { throw ExitCode(130) }
    }
  }

  /// `--onnx FILE`: the imported graph and a variant of it (vanilla LRD by default), paired.
  func runImported(_ imported: ImportedModel, batch: Int, mode: Mode, topology: Topology) throws {
    if profileSteps != nil {
      throw ValidationError(
        "--profile-steps does not apply with --onnx (the original and its variant are both timed)")
    }
    if mode == .training && graph == .fused {
      throw ValidationError(
        "--graph fused is for inference (batch norm folded into its running statistics); training runs eager: "
          + "drop --graph or use --mode inference")
    }
    let parsed = try NetworkVariant(parsing: variant ?? "lrd")
    guard parsed.ranks != .original else {
      throw ValidationError(
        "--variant original does not apply with --onnx: the original is timed next to every variant")
    }
    if mode == .inference && parsed.frozen {
      printError("warning: frozen has no effect in inference mode (nothing is trained); use --mode training")
    }
    var ranks: [String: Factorization]?
    if case .optimized(let path) = parsed.ranks {
      ranks = try OptimizedRanks.load(
        path, model: model.resolved, onnx: imported.file, policy: policy?.value ?? .robust)
    } else if policy != nil {
      throw ValidationError("--policy goes with --variant optimized:DIR")
    }
    if case .best = backend.backend { throw ValidationError("--backend best: does not apply with --onnx") }
    let sampler = try measurement.configuration(defaultBudget: 10)
    let threads = try threads.single(cores: topology.summary.coreCount, command: "model")
    let ratio = ratio ?? 2
    guard RankSelection.isValidRatio(ratio) else { throw DecompositionError.badCompressionRatio(ratio) }
    // A graph that cannot run is refused before the BLAS core check.
    _ = try ImportedNetworkTiming.program(
      try ImportedNetworkTiming.build(imported, ratio: ratio, variant: .original), batch: 1)
    try blasCore.establish()
    try backend.establish()
    Interruption.install()
    let result = try ImportedNetworkTiming.run(
      imported, batch: batch, ratio: ratio, mode: graph ?? .eager, step: mode, threads: threads,
      sampler: sampler, topology: topology, variant: ImportedNetworkTiming.Variant(parsed, ranks: ranks))
    emit(format == .json ? try ImportedNetworkReport.json(result) : ImportedNetworkReport.text(result))
    if result.lrd.stopReason == .interrupted { throw ExitCode(130) }
  }
}
