import ArgumentParser
import Decomposition
import Harness
import Machine
import Networks
import Profiling
import Reports
import Results
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
      Each distinct layer shape is swept once (R from --ratio down to ⌈R/2⌉ and the anchor R + step, every rank paired with the original) with one thread config (default: all cores, compact); layers of identical shape share the result.

      Defaults here: --budget 0.25 s per point, --confirm-budget 0.5 s, --events perf::TASK-CLOCK,perf::PAGE-FAULTS.

      Writes ranks.md, ranks.csv and ranks.json to --out, and every sweep (CSV, JSON, Markdown, SVG, journal) to <out>/sweeps/<layer>/. --backend all runs the study on every kernel backend (each in <out>/<backend>/) and writes backends.md: per layer each backend's original time and ranks, and the best (backend, rank) pair. Ctrl-C keeps what was measured; --resume DIR continues.
      """)

  @OptionGroup var model: ModelOption

  @Option(help: "Regular expression on layer names (default: every conv and linear layer).")
  var filter: String?

  @OptionGroup var ratio: RatioOptions
  @OptionGroup var workload: WorkloadOptions
  @OptionGroup var threads: ThreadOptions
  @OptionGroup var policies: PolicyOptions
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
    model.given + ratio.given + workload.given + threads.given + policies.given + measurement.given
      + (filter == nil ? [] : ["--filter"])
  }

  func validate() throws { try output.checkResume(given: given) }

  func makePlan(cores: Int) throws -> RanksPlan {
    let (batch, mode) = try workload.resolve()
    let policy = try policies.resolve(defaultConfirmBudget: 0.5)
    let template = SweepPlan(
      model: model.resolved, layer: "", ratio: try ratio.resolvedRatio(), from: 1, to: 1,
      step: ratio.step ?? 1,
      anchor: nil, batch: batch, threadConfigs: [try threads.single(cores: cores, command: "ranks")],
      mode: mode,
      frozen: .none, policies: policy.policies, sampler: try measurement.configuration(defaultBudget: 0.25),
      events: try measurement.eventList(default: DefaultEvents.study), referenceEvery: policy.referenceEvery,
      confirmBudget: policy.confirmBudget, tieTolerance: policy.tieTolerance)
    var plan = RanksPlan(model: model.resolved, filter: filter, template: template)
    if backend?.value == .all { plan.backends = GEMMBackend.allCases }
    return plan
  }

  func run() throws {
    try guarded {
      let topology = try Topology()
      let cores = topology.summary.coreCount
      let (directory, plan) = try RunSetup<RanksPlan>(
        kind: "ranks", planFile: "ranks-plan.json", output: output, blasCore: blasCore,
        requestedBackend: backend?.value.rawValue
      ).open(name: \.model.rawValue, make: { try makePlan(cores: cores) }) { plan in
        try plan.validate(cores: cores)
        for layer in try plan.layers() { try SweepMemory.check(try plan.plan(for: layer)) }
      }
      Interruption.install()
      let bar = ProgressBar(quiet: output.quiet)
      if let backends = plan.backends {
        let results = try PerBackendRuns.run(
          backends, in: directory, kind: "ranks", planFile: "ranks-plan.json", plan: plan.on,
          interrupted: \.interrupted
        ) { _, single, child in
          let result = try RanksStudy(
            plan: single, directory: child, topology: topology, events: bar.sink,
            onSweep: { sweep, sub in try SweepReport.write(sweep, to: sub) }
          ).run()
          try RanksReport.write(result, to: child)
          return result
        }
        bar.finish()
        try RanksBackendsReport.write(results, to: directory)
        emit(RanksBackendsReport.markdown(results))
        try finishRun(
          directory: directory, files: "backends.md and <backend>/ranks.{md,csv,json}",
          interrupted: results.contains(where: \.interrupted) || results.count < backends.count,
          command: "ranks")
        return
      }
      let check = try backendCheck.run(quiet: output.quiet) {
        try BackendChecker.network(
          plan.model, threads: plan.template.threadConfigs.last ?? .init(threads: cores, binding: .compact),
          topology: topology)
      }
      let study = RanksStudy(
        plan: plan, directory: directory, topology: topology, events: bar.sink,
        onSweep: { sweep, sub in try SweepReport.write(sweep, to: sub) })
      var result = try study.run()
      result.backendCheck = check
      bar.finish()
      try RanksReport.write(result, to: directory)
      emit(RanksReport.markdown(result))
      try finishRun(
        directory: directory, files: "ranks.{md,csv,json} and sweeps/<layer>/",
        interrupted: result.interrupted,
        command: "ranks")
    }
  }
}
