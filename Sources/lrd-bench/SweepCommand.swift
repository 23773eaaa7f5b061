import ArgumentParser
import Decomposition
import Foundation
import Harness
import Networks
import Profiling
import Reports

struct SweepCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sweep",
    abstract: "Time one layer over a rank sweep and pick ranks with Algorithm 1 (and better policies).",
    discussion: """
      For each thread config: decompose the layer once (SVD for 1×1 and linear layers, Tucker-2
      for k×k with r2 = ⌊β·r1⌋) and time every rank from R down to R_min interleaved with the
      original layer (A B A B …), so t/T and its CI survive drift; the original is also measured
      alone every --reference-every ranks. Then apply the policies and check each choice with a
      longer interleaved measurement against the original.

      Policies: paper (Algorithm 1 exactly: largest drop Δ(r) = t(r+1) − t(r), kept if faster
      than the original), robust (among ranks faster than the original with confidence, the
      largest whose throughput ties the best; revoked if the check is not significant), fastest
      (argmin).

      Writes to --out: sweep.md (the summary printed on stdout), sweep.csv (one row per point),
      sweep.json (everything: samples, statistics, counters, fingerprint, decisions), sweep.svg
      (throughput vs rank, the paper's Figure 2), plan.json and points.jsonl (the journal). Ctrl-C
      stops after the current sample and writes what was measured; --resume DIR continues it.
      """)

  @Option(help: "Layer to sweep, e.g. layer4.2.conv2 (see `lrd-bench layers`).")
  var layer: String?

  @OptionGroup var model: ModelOption

  @Option(help: "Compression ratio α; the starting rank R divides the layer's parameters by α.")
  var ratio: Double = 2

  @Option(help: "Largest rank R (default: from --ratio).")
  var from: Int?

  @Option(help: "Smallest rank R_min (default: ⌈R/2⌉).")
  var to: Int?

  @Option(help: "Rank step.")
  var step: Int = 1

  @OptionGroup var workload: WorkloadOptions

  @OptionGroup var threads: ThreadListOptions

  @Option(
    help:
      "Frozen factors in training mode: none, paper (first 1×1; first and last for Tucker-2) or indices like 0,2."
  )
  var frozen: String = "none"

  @OptionGroup var policies: PolicyOptions

  @OptionGroup var blasCore: BLASCoreOptions

  @OptionGroup var measurement: MeasurementOptions

  @Option(help: "Output directory (default: results/sweeps/<layer>-<UTC time>).")
  var out: String?

  @Option(help: "Continue the interrupted sweep in this directory (its plan.json decides the options).")
  var resume: String?

  @Option(help: "Summary format on stdout: markdown or json.")
  var format: SummaryFormat = .markdown

  @Flag(help: "No progress output on stderr.")
  var quiet = false

  enum SummaryFormat: String, ExpressibleByArgument, CaseIterable {
    case markdown, json
  }

  func makePlan(topology: Topology) throws -> SweepPlan {
    guard let layerName = layer else {
      throw HarnessError.invalidOption(
        "--layer is required (e.g. --layer layer4.2.conv2; list them with `lrd-bench layers`)")
    }
    let resolvedModel = try model.resolve()
    let spec = try ModelCatalog(resolvedModel).layer(named: layerName)
    let (batch, mode) = try workload.resolve()
    guard ratio > 1 else { throw DecompositionError.badCompressionRatio(ratio) }
    let ranks = try SweepPlan.resolveRanks(layer: spec, ratio: ratio, from: from, to: to, step: step)
    let policy = try policies.resolve(defaultConfirmBudget: 1)
    return SweepPlan(
      model: resolvedModel, layer: layerName, ratio: ratio, from: ranks.from, to: ranks.to, step: step,
      batch: batch,
      threadConfigs: try threads.configs(topology: topology), mode: mode,
      frozen: try FrozenFactors(parsing: frozen),
      policies: policy.policies, sampler: try measurement.configuration(defaultBudget: 0.5),
      events: measurement.eventList(default: [
        "PAPI_TOT_CYC", "PAPI_TOT_INS", "perf::TASK-CLOCK", "perf::PAGE-FAULTS",
      ]),
      referenceEvery: policy.referenceEvery, confirmBudget: policy.confirmBudget,
      tieTolerance: policy.tieTolerance)
  }

  func run() throws {
    try guarded {
      try blasCore.establish()
      let topology = try Topology()
      let (directory, plan) = try ResultDirectory.open(
        resume: resume, out: out, planFile: "plan.json", kind: "sweeps",
        name: { (plan: SweepPlan) in plan.layer },
        makePlan: { try makePlan(topology: topology) })
      Interruption.install()
      let runner = SweepRunner(plan: plan, directory: directory, topology: topology)
      runner.showProgress = !quiet
      let result = try runner.run()
      try SweepReport.write(result, to: directory)
      emit(
        format == .json
          ? String(decoding: try SweepReport.json(result), as: UTF8.self) + "\n"
          : SweepReport.markdown(result))
      printError("results: \(directory.url.path)/sweep.{md,csv,json,svg}")
      if result.interrupted {
        printError("interrupted: continue with  lrd-bench sweep --resume \(directory.url.path)")
        throw ExitCode(130)
      }
    }
  }
}
