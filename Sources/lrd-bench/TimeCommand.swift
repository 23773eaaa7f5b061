import ArgumentParser
import Decomposition
import Harness
import Machine
import Networks
import ONNX
import Profiling
import Programs
import Reports

struct TimeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "time",
    abstract: "Measure one point: a layer as one factorization, batch, mode and thread config.",
    discussion: """
      Prints the statistics (median with its 95% CI, min, p10, mean, p90, max, MAD, CV, outliers), the counters (every requested event measured on every thread, or unavailable with PAPI's reason), heap allocations per call and the machine fingerprint.

      Factorizations: original, svd:R (1×1 and linear layers), tucker2:R1,R2 and branched:R1,R2,N (k×k layers; N divides R1 and R2).

      Defaults here: --budget 2 s, --threads all cores, --events PAPI_TOT_CYC,PAPI_TOT_INS,PAPI_L1_DCM,PAPI_SP_OPS,perf::TASK-CLOCK,perf::PAGE-FAULTS,perf::CONTEXT-SWITCHES.
      """)

  @Option(help: "Layer, e.g. layer4.2.conv2.")
  var layer: String

  @OptionGroup var model: ModelOption
  @OptionGroup var onnx: ONNXOptions

  @Option(help: "original (default), svd:R, tucker2:R1,R2 or branched:R1,R2,N.")
  var factorization: String?

  @OptionGroup var workload: WorkloadOptions

  @Option(help: "Frozen factors in training mode: none (default), paper or indices like 0,2.")
  var frozen: String?

  @OptionGroup var threads: ThreadOptions
  @OptionGroup var measurement: MeasurementOptions
  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backend: BackendOptions

  @Option(help: "Output format.")
  var format: TextFormat = .text

  func run() throws {
    try guarded {
      let topology = try Topology()
      let resolvedModel = model.resolved
      let imported = try onnx.open(model: model)
      let spec = try imported?.layer(named: layer).spec ?? ModelCatalog(resolvedModel).layer(named: layer)
      let (batch, mode) = try workload.resolve()
      let config = try threads.single(cores: topology.summary.coreCount, command: "time")
      let sampler = try measurement.configuration(defaultBudget: 2)
      let parsed = try Factorization(parsing: factorization ?? "original")
      try parsed.validate(for: spec)
      let frozenFactors = try FrozenFactors(parsing: frozen ?? "none")
      if mode == .inference && frozenFactors != .none {
        printError(
          "warning: --frozen has no effect in inference mode (nothing is trained); use --mode training")
      }
      let point = PointSpec(
        model: resolvedModel, layer: spec.name, factorization: parsed, batch: batch, mode: mode,
        frozen: frozenFactors,
        threads: config, cache: sampler.cache, onnx: imported?.file)
      let events = try measurement.eventList(default: DefaultEvents.point)
      try blasCore.establish()
      try backend.establish()
      Interruption.install()
      let result = try PointTiming.run(point, sampler: sampler, events: events, topology: topology)
      emit(format == .json ? try TimeReport.json(result) : TimeReport.text(result))
      if result.point.measurement.stopReason == .interrupted { throw ExitCode(130) }
    }
  }
}
