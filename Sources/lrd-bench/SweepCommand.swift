import ArgumentParser
import Foundation
import Harness
import Machine
import Networks
import Profiling
import Programs
import Reports
import Tensors

struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Time one layer over a rank sweep and pick ranks with Algorithm 1 (and better policies).",
    usage: """
      lrd-bench sweep --layer <layer> [<options>]
      lrd-bench sweep --resume <directory> [--quiet] [--format <format>] [--blas-core <core>]
      """,
    discussion: """
      For each thread config: decompose the layer once (SVD for 1×1 and linear layers, Tucker-2 for k×k with r2 = ⌊β·r1⌋) and time every rank from R down to R_min paired with the original layer (balanced ABBA/BAAB rounds), so t/T and its CI survive drift (with the paper+anchor policy R + step too, so R itself can be chosen); the original is also measured alone every --reference-every ranks to report drift. Then the policies decide and each choice is checked by a longer paired measurement against the original (robust falls back to its next candidate when a check fails).

      Policies: paper (Algorithm 1 as printed: largest drop Δ(r) = t(r+step) − t(r) below R, kept if faster than the original; R itself is never chosen), paper+anchor (the same with R + step measured, so R can be chosen), robust (among ranks faster than the original with confidence, the largest whose throughput reaches (1 − tie tolerance) of the best), fastest (argmin).

      Defaults here: --budget 0.5 s per point, --confirm-budget 1 s, --threads 1 and all cores, --events PAPI_TOT_CYC,PAPI_TOT_INS,perf::TASK-CLOCK,perf::PAGE-FAULTS.

      Writes to --out: sweep.md (the summary printed on stdout), sweep.csv (one row per point), sweep.json (everything: samples, statistics, counters, fingerprint, decisions), sweep.svg (throughput vs rank with 95% CIs, the paper's Figure 2), run.json, plan.json and points.jsonl (the journal). Ctrl-C, SIGTERM or SIGHUP stop after the current sample, write what was measured and exit 130; --resume DIR continues.
      """)

  @Option(help: "Layer to sweep, e.g. layer4.2.conv2 (see `lrd-bench layers`); required unless --resume.")
  var layer: String?

  @OptionGroup var model: ModelOption
  @OptionGroup var onnx: ONNXOptions
  @OptionGroup var ratio: RatioOptions

  @Option(parsing: .unconditional, help: "Largest rank R (default: from --ratio).")
  var from: Int?

  @Option(parsing: .unconditional, help: "Smallest rank R_min (default: ⌈R/2⌉).")
  var to: Int?

  @OptionGroup var workload: WorkloadOptions
  @OptionGroup var threads: ThreadOptions
  @OptionGroup var shard: ShardOption

  @Option(
    help:
      "Frozen factors in training mode: none (default), paper (first 1×1; first and last for Tucker-2) or indices like 0,2."
  )
  var frozen: String?

  @OptionGroup var policies: PolicyOptions
  @OptionGroup var order: SweepOrderOptions
  @OptionGroup var measurement: MeasurementOptions
  @OptionGroup var output: RunDirectoryOptions
  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backendCheck: BackendCheckOptions
  @Option(
    help:
      "Kernel library: openblas (default, or $LRD_BENCH_BACKEND), blis, onednn, or all (one sweep per backend in <out>/<backend>/, compared in backends.md and backends.svg)."
  )
  var backend: Choice<BackendSelection>?

  @Option(help: "Summary format on stdout.")
  var format: SummaryFormat = .markdown

  enum SummaryFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, json
  }

  var given: [String] {
    var names =
      model.given + ratio.given + workload.given + threads.given + policies.given + order.given
      + measurement.given + shard.given + onnx.given
    for (name, value) in [
      ("--layer", layer != nil), ("--from", from != nil), ("--to", to != nil), ("--frozen", frozen != nil),
    ]
    where value { names.append(name) }
    return names
  }

  func validate() throws {
    try output.checkResume(given: given)
    if output.resume == nil && layer == nil {
      throw ValidationError(
        "--layer is required (e.g. --layer layer4.2.conv2; list them with `lrd-bench layers`)")
    }
  }

  func makePlan(cores: Int) throws -> SweepPlan {
    let imported = try onnx.open(model: model)
    let spec =
      try imported?.layer(named: layer ?? "").spec ?? ModelCatalog(model.resolved).layer(named: layer ?? "")
    let (batch, mode) = try workload.resolve()
    let alpha = try ratio.resolvedRatio()
    let policy = try policies.resolve(defaultConfirmBudget: 1)
    let ranks = try SweepPlan.resolveRanks(
      layer: spec, ratio: alpha, from: from, to: to, step: ratio.step ?? 1,
      anchor: policy.policies.contains(.paperAnchor))
    var frozenFactors = FrozenFactors.none
    if let frozen {
      frozenFactors = try FrozenFactors(parsing: frozen)
      if mode == .inference && frozenFactors != .none {
        printError(
          "warning: --frozen \(frozen) has no effect in inference mode (nothing is trained); use --mode training"
        )
      }
    }
    var plan = SweepPlan(
      model: model.resolved, layer: spec.name, ratio: alpha, from: ranks.from, to: ranks.to,
      step: ratio.step ?? 1,
      anchor: ranks.anchor, batch: batch, threadConfigs: try threads.configs(cores: cores), mode: mode,
      frozen: frozenFactors, policies: policy.policies,
      sampler: try measurement.configuration(defaultBudget: 0.5),
      events: try measurement.eventList(default: DefaultEvents.sweep), referenceEvery: policy.referenceEvery,
      confirmBudget: policy.confirmBudget, tieTolerance: policy.tieTolerance)
    plan.order = order.resolved
    if backend?.value == .all { plan.backends = GEMMBackend.allCases }
    plan.shard = try shard.resolve(multiBackend: plan.backends != nil)
    plan.onnx = imported?.file
    return plan
  }

  func run() throws {
    try guarded {
      try StudyDriver<SweepStudy>(
        output: output, blasCore: blasCore, requestedBackend: backend?.value.rawValue,
        backendCheck: backendCheck
      ).runOnBackends(
        make: makePlan,
        summary: format == .json ? { String(decoding: try SweepReport.json($0), as: UTF8.self) + "\n" } : nil,
        backendsSummary: format == .json
          ? { results in
            "["
              + (try results.map { String(decoding: try SweepReport.json($0), as: UTF8.self) })
              .joined(separator: ",\n") + "]\n"
          } : nil)
    }
  }
}
