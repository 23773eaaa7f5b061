import Decomposition
import Machine
import Networks
import Profiling
import Programs

/// Builds and measures points of one model.
///
/// Decomposes each layer's weights once (SVD / HOSVD cached per layer) and reuses them for every rank;
/// programs of original layers are built once and reused by every paired measurement (building one allocates
/// and fills every buffer).
///
/// Weights are He-normal random with a seed derived from the layer name (timing does not depend on
/// weight values; reconstruction errors are reported for these weights).
package final class PointRunner {
  /// The model whose layers the runner builds.
  package let catalog: ModelCatalog
  let events: [String]
  let topology: TopologySummary
  private let weights: NetworkWeights
  private var originals: [String: LayerProgram] = [:]
  private var flushers: [[Int]: CacheFlusher] = [:]
  /// When true every program is kept, not only the originals' (a worker process serving many rounds).
  let keepsEveryProgram: Bool
  private var retired: [String: LayerProgram] = [:]

  /// A runner for `model`, counting `events` on every thread; `keepsEveryProgram` keeps decomposed
  /// layers' programs too.
  package init(
    model: ResNetModel, events: [String], topology: TopologySummary, keepsEveryProgram: Bool = false
  ) {
    catalog = ModelCatalog(model)
    weights = NetworkWeights(catalog: catalog)
    self.events = events
    self.topology = topology
    self.keepsEveryProgram = keepsEveryProgram
  }

  /// The layer's decomposer (the model's original weights, shared with whole networks), created on
  /// first use.
  package func decomposer(for name: String) throws -> LayerDecomposer {
    try weights.decomposer(for: name)
  }

  /// The runnable program of a point (decomposition done, buffers allocated and touched).
  package func program(for spec: PointSpec) throws -> LayerProgram {
    let kept = spec.factorization == .original || keepsEveryProgram
    let key = "\(spec.layer)|\(spec.factorization)|b\(spec.batch)|\(spec.mode)|\(spec.frozen)"
    if kept, let cached = originals[key] { return cached }
    let decomposed = try decomposer(for: spec.layer).decompose(spec.factorization)
    let program = try LayerProgram(decomposed, batch: spec.batch, mode: spec.mode, frozen: spec.frozen)
    if kept { originals[key] = program }
    return program
  }

  /// Drops the kept programs so the next measurements build new ones (new buffers, placed anew in memory).
  ///
  /// The dropped ones are freed only at the next renewal, so the new buffers cannot reuse their addresses.
  /// The decompositions are kept.
  package func renewPrograms() {
    retired = originals
    originals = [:]
  }

  /// A sampler for `configuration` on the current binding: counters attach to the threads that
  /// exist now; cold caches flush from the bound PUs.
  func sampler(_ configuration: SamplerConfiguration, binding: BindingRecord, orderSeed: UInt64) -> Sampler {
    var flusher: CacheFlusher?
    if configuration.cache == .cold {
      let pus = binding.plannedProcessingUnits
      if flushers[pus] == nil { flushers[pus] = CacheFlusher(topology: topology, processingUnits: pus) }
      flusher = flushers[pus]
    }
    return Sampler(
      configuration: configuration, counters: events.isEmpty ? nil : CounterSet(events: events),
      flusher: flusher,
      orderSeed: orderSeed)
  }

  func result(_ spec: PointSpec, _ program: LayerProgram, _ measurement: PointMeasurement, sequence: Int)
    -> PointResult
  {
    PointResult(
      spec: spec, sequence: sequence, cost: program.decomposed.cost, flopsPerCall: program.flopsPerCall,
      relativeError: program.decomposed.relativeError, measurement: measurement, pairedReference: nil,
      comparison: nil)
  }

  /// Measures one point with the current binding (the caller applies the thread config).
  ///
  /// `slowdown` (test-only, see `SlowdownInjection`) adds that fraction of each call's time as a busy-wait
  /// inside the timed region.
  package func measure(
    _ spec: PointSpec, sampler configuration: SamplerConfiguration, binding: BindingRecord, sequence: Int,
    slowdown: Double = 0
  ) throws -> PointResult {
    let program = try program(for: spec)
    let measurement = sampler(configuration, binding: binding, orderSeed: UInt64(sequence)).measure {
      SlowdownInjection.run(slowdown) { program.run() }
    }
    return result(spec, program, measurement, sequence: sequence)
  }

  /// Measures `candidate` paired with `reference` (balanced order) and returns the candidate's result
  /// carrying the reference's measurement and the paired comparison reference → candidate.
  package func measure(
    _ candidate: PointSpec, pairedWith reference: PointSpec, sampler configuration: SamplerConfiguration,
    binding: BindingRecord, sequence: Int
  ) throws -> PointResult {
    let a = try program(for: reference)
    let b = try program(for: candidate)
    let outcome = sampler(configuration, binding: binding, orderSeed: UInt64(sequence)).measurePaired(
      baseline: { a.run() }, candidate: { b.run() })
    var result = result(candidate, b, outcome.candidate, sequence: sequence)
    result.pairedReference = outcome.baseline
    result.comparison = outcome.comparison
    return result
  }
}
