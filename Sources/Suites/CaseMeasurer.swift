import Harness
import Machine
import Networks
import Profiling
import Programs
import Results

/// Measures suite cases (layers and whole networks) with the current binding: shared by `lrd-bench run`
/// and the A/B worker process.
package final class CaseMeasurer {
  let topology: Topology
  let keepsEveryProgram: Bool
  private var layerRunners: [ResNetModel: PointRunner] = [:]
  private let modelRunner: ModelRunner

  /// A measurer on `topology`; `keepsEveryProgram` keeps every point's program between measurements (a
  /// worker measuring the same points round after round), otherwise networks are released after each.
  package init(topology: Topology, keepsEveryProgram: Bool = false) {
    self.topology = topology
    self.keepsEveryProgram = keepsEveryProgram
    modelRunner = ModelRunner(events: DefaultEvents.study, keepsEveryProgram: keepsEveryProgram)
  }

  /// Validates a case before anything is measured: layer, factorization, variant, memory and threads.
  package func validate(_ item: SuiteCase) throws {
    switch item.point.target {
    case .layer(let model, let layer, let factorization, _):
      let spec = try ModelCatalog(model).layer(named: layer)
      try factorization.validate(for: spec)
      try MemoryEstimate.check(
        MemoryEstimate.layerProgram(spec, factorization, batch: item.point.batch, mode: item.point.mode),
        for: "\(item.name) at batch \(item.point.batch)", reduce: nil)
    case .network:
      try modelRunner.checkMemory(try Self.modelSpec(item), paired: false)
    }
    guard item.threads.threads <= topology.summary.coreCount else {
      throw HarnessError.invalidRequest(
        "\(item.name): \(item.threads.threads) threads but this machine has \(topology.summary.coreCount) cores"
      )
    }
  }

  static func modelSpec(_ item: SuiteCase) throws -> ModelSpec {
    guard case .network(let model, let variant, let ratio, let policy) = item.point.target else {
      throw HarnessError.invalidRequest("\(item.name) is not a network point")
    }
    return ModelSpec(
      model: model, variant: variant, ratio: ratio, policy: policy, batch: item.point.batch,
      mode: item.point.mode, threads: item.threads)
  }

  /// Builds every layer program anew at its next measurement (see `PointRunner.renewPrograms`).
  ///
  /// Whole networks are kept: their hundreds of buffers already average placement effects out, and rebuilding
  /// them every round would cost seconds per network.
  package func renewPrograms() {
    for runner in layerRunners.values { runner.renewPrograms() }
  }

  /// Measures one case with the current binding: its measurement, batch and spec as JSON.
  ///
  /// `slowdown` (test-only, `SlowdownInjection`) adds that fraction of each call's time inside the timed region.
  package func measure(
    _ item: SuiteCase, sampler: SamplerConfiguration, binding: BindingRecord, sequence: Int, slowdown: Double
  ) throws -> (measurement: PointMeasurement, batch: Int, spec: String) {
    switch item.point.target {
    case .layer(let model, let layer, let factorization, let frozen):
      let runner =
        layerRunners[model]
        ?? PointRunner(
          model: model, events: DefaultEvents.study, topology: topology.summary,
          keepsEveryProgram: keepsEveryProgram)
      layerRunners[model] = runner
      let spec = PointSpec(
        model: model, layer: layer, factorization: factorization, batch: item.point.batch,
        mode: item.point.mode, frozen: frozen, threads: item.threads, cache: .warm)
      let result = try runner.measure(
        spec, sampler: sampler, binding: binding, sequence: sequence, slowdown: slowdown)
      return (result.measurement, spec.batch, try JSONCoding.compactString(spec))
    case .network:
      let spec = try Self.modelSpec(item)
      let result = try modelRunner.measure(spec, sampler: sampler, sequence: sequence, slowdown: slowdown)
      if !keepsEveryProgram { modelRunner.releasePrograms() }
      return (result.measurement, spec.batch, try JSONCoding.compactString(spec))
    }
  }
}
