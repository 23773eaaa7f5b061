import ArgumentParser
import Harness
import Machine
import ONNX
import Profiling
import Reports
import Support
import Tensors

struct RanksCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ranks",
    abstract: "Run Algorithm 1 over every conv/linear layer of a model: the paper's Table 2, measured here.",
    usage: """
      lrd-bench ranks [<options>]
      lrd-bench ranks --resume <directory> [--quiet] [--blas-core <core>]
      """,
    discussion: """
      With --onnx FILE: the file's conv and linear layers with groups 1 (grouped convolutions are not swept), with their real weights; its ranks are the file's own (tables and optimized networks take a catalog model's).

      Each distinct layer shape is swept once (R from --ratio down to ⌈R/2⌉, and the anchor R + step when the paper+anchor policy runs, every rank paired with the original) with one thread config (default: all cores, compact); layers of identical shape share the result.

      Defaults here: --budget 0.25 s per point, --confirm-budget 0.5 s, --events perf::TASK-CLOCK,perf::PAGE-FAULTS.

      Writes ranks.md, ranks.csv and ranks.json to --out, and every sweep (CSV, JSON, Markdown, SVG, journal) to <out>/sweeps/<layer>/. --backend all runs the study on every kernel backend (each in <out>/<backend>/) and writes backends.md: per layer each backend's original time and ranks, and the best (backend, rank) pair. Ctrl-C keeps what was measured; --resume DIR continues.
      """)

  @OptionGroup var model: ModelOption
  @OptionGroup var onnx: ONNXOptions

  @Option(help: "Regular expression on layer names (default: every conv and linear layer).")
  var filter: String?

  @OptionGroup var shard: ShardOption

  @OptionGroup var ratio: RatioOptions
  @OptionGroup var workload: WorkloadOptions
  @OptionGroup var threads: ThreadOptions
  @OptionGroup var policies: PolicyOptions
  @OptionGroup var order: SweepOrderOptions
  @OptionGroup var measurement: MeasurementOptions
  @OptionGroup var output: RunDirectoryOptions
  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backendCheck: BackendCheckOptions
  @Option(
    help:
      "Kernel library: openblas (default, or $LRD_BENCH_BACKEND), blis, onednn, or all (one study per backend in <out>/<backend>/, compared in backends.md)."
  )
  var backend: Choice<BackendSelection>?

  var given: [String] {
    model.given + ratio.given + workload.given + threads.given + policies.given + order.given
      + measurement.given + (filter == nil ? [] : ["--filter"]) + shard.given + onnx.given
  }

  func validate() throws { try output.checkResume(given: given) }

  func makePlan(cores: Int) throws -> RanksPlan {
    let (batch, mode) = try workload.resolve()
    let policy = try policies.resolve(defaultConfirmBudget: 0.5)
    var settings = SweepSettings(
      ratio: try ratio.resolvedRatio(), step: ratio.step ?? 1, batch: batch,
      threadConfigs: [try threads.single(cores: cores, command: "ranks")], mode: mode,
      policies: policy.policies, sampler: try measurement.configuration(defaultBudget: 0.25),
      events: try measurement.eventList(default: DefaultEvents.study), referenceEvery: policy.referenceEvery,
      confirmBudget: policy.confirmBudget, tieTolerance: policy.tieTolerance)
    settings.order = order.resolved
    var plan = RanksPlan(model: model.resolved, filter: filter, settings: settings)
    plan.onnx = try onnx.open(model: model)?.file
    if backend?.value == .all { plan.backends = GEMMBackend.allCases }
    plan.shard = try shard.resolve(multiBackend: plan.backends != nil)
    return plan
  }

  func run() throws {
    try guarded {
      try StudyDriver<RanksStudy>(
        output: output, blasCore: blasCore, requestedBackend: backend?.value.rawValue,
        backendCheck: backendCheck
      ).runOnBackends(make: makePlan)
    }
  }
}
