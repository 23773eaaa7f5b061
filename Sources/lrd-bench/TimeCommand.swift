import ArgumentParser
import Decomposition
import Harness
import Networks
import Profiling
import Reports

struct TimeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "time",
    abstract: "Measure one point: a layer as one factorization, batch, mode and thread config.",
    discussion: """
      Prints the statistics (median with its 95% CI, min, p10, mean, p90, max, MAD, CV, outliers),
      the counters (every requested event measured on every thread, or unavailable with PAPI's
      reason) and the machine fingerprint.

      Factorizations: original, svd:R (1×1 and linear layers), tucker2:R1,R2 and branched:R1,R2,N
      (k×k layers; N divides R1 and R2).
      """)

  @Option(help: "Layer, e.g. layer4.2.conv2.")
  var layer: String

  @OptionGroup var model: ModelOption

  @Option(help: "original, svd:R, tucker2:R1,R2 or branched:R1,R2,N.")
  var factorization: String = "original"

  @OptionGroup var workload: WorkloadOptions

  @Option(help: "Frozen factors in training mode: none, paper or indices like 0,2.")
  var frozen: String = "none"

  @OptionGroup var threads: ThreadConfigOptions

  @OptionGroup var blasCore: BLASCoreOptions

  @OptionGroup var measurement: MeasurementOptions

  @Option(help: "Output format: text or json.")
  var format: TextFormat = .text

  func run() throws {
    try guarded {
      try blasCore.establish()
      let topology = try Topology()
      let resolvedModel = try model.resolve()
      _ = try ModelCatalog(resolvedModel).layer(named: layer)
      let (batch, mode) = try workload.resolve()
      let config = try threads.resolve(topology: topology)
      let sampler = try measurement.configuration(defaultBudget: 2)
      let spec = PointSpec(
        model: resolvedModel, layer: layer, factorization: try Factorization(parsing: factorization),
        batch: batch, mode: mode, frozen: try FrozenFactors(parsing: frozen), threads: config,
        cache: sampler.cache)
      Interruption.install()
      let result = try PointTiming.run(
        spec, sampler: sampler,
        events: measurement.eventList(default: [
          "PAPI_TOT_CYC", "PAPI_TOT_INS", "PAPI_L1_DCM", "PAPI_SP_OPS", "perf::TASK-CLOCK",
          "perf::PAGE-FAULTS", "perf::CONTEXT-SWITCHES",
        ]),
        topology: topology)
      emit(format == .json ? try TimeReport.json(result) : TimeReport.text(result))
      if result.point.measurement.stopReason == .interrupted { throw ExitCode(130) }
    }
  }
}
