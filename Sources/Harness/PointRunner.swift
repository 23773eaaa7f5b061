import Decomposition
import Machine
import Networks
import ONNX
import Profiling
import Programs

/// Builds and measures points of one model.
///
/// Decomposes each layer's weights once (SVD / HOSVD cached per layer) and reuses them for every rank;
/// programs of original layers are built once and reused by every paired measurement (building one allocates
/// and fills every buffer).
///
/// Weights are the ONNX file's when the runner has one; else He-normal random with a seed derived from the
/// layer name (timing does not depend on weight values; reconstruction errors are reported for these weights).
package final class PointRunner {
  /// The model whose layers the runner builds (when it has no ONNX file).
  package let catalog: ModelCatalog
  /// The ONNX file whose layers (and real weights) the runner builds instead of the catalog's.
  package let onnx: ModelFile?
  private var importedDecomposers: [String: LayerDecomposer] = [:]
  private var outputErrors: [String: Double] = [:]
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
    model: ResNetModel, onnx: ModelFile? = nil, events: [String], topology: TopologySummary,
    keepsEveryProgram: Bool = false
  ) {
    catalog = ModelCatalog(model)
    self.onnx = onnx
    weights = NetworkWeights(catalog: catalog)
    self.events = events
    self.topology = topology
    self.keepsEveryProgram = keepsEveryProgram
  }

  /// The layer's decomposer (the model's original weights, shared with whole networks), created on
  /// first use.
  package func decomposer(for name: String) throws -> LayerDecomposer {
    guard let onnx else { return try weights.decomposer(for: name) }
    if let cached = importedDecomposers[name] { return cached }
    let layer = try ImportedModel.cached(onnx).layer(named: name)
    let decomposer = try LayerDecomposer(layer: layer.spec, weight: layer.weight, bias: layer.bias)
    importedDecomposers[name] = decomposer
    return decomposer
  }

  /// The layer named `name`: the ONNX file's, or the catalog model's.
  package func layer(named name: String) throws -> LayerSpec {
    if let onnx { return try ImportedModel.cached(onnx).layer(named: name).spec }
    return try catalog.layer(named: name)
  }

  /// ‖y − y'‖_F / ‖y‖_F of the layer's output on one fixed random image (seed 1) against the original's.
  ///
  /// How far the factorization moves what the layer computes, with these weights (0 for the original).
  /// Computed once per layer and factorization, outside any timed region.
  package func outputError(_ spec: PointSpec) throws -> Double {
    guard spec.factorization != .original else { return 0 }
    let key = "\(spec.layer)|\(spec.factorization)"
    if let known = outputErrors[key] { return known }
    let decomposer = try decomposer(for: spec.layer)
    let original = try LayerProgram(decomposer.decompose(.original), batch: 1, mode: .inference)
    let decomposed = try LayerProgram(decomposer.decompose(spec.factorization), batch: 1, mode: .inference)
    original.run()
    decomposed.run()
    let error = decomposed.output.relativeError(to: original.output)
    outputErrors[key] = error
    return error
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
    var result = PointResult(
      spec: spec, sequence: sequence, cost: program.decomposed.cost, flopsPerCall: program.flopsPerCall,
      relativeError: program.decomposed.relativeError, measurement: measurement, pairedReference: nil,
      comparison: nil)
    result.outputError = try? outputError(spec)
    return result
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
