import Decomposition
import Networks
import Profiling
import Tensors

/// Builds and measures points of one model. Decomposes each layer's weights once (SVD / HOSVD
/// cached per layer) and reuses them for every rank.
///
/// Weights are He-normal random with a seed derived from the layer name (timing does not depend
/// on weight values; reconstruction errors are reported for these weights).
public final class PointRunner {
  public let catalog: ModelCatalog
  public var sampler: SamplerConfiguration
  public var events: [String]
  let flusher: CacheFlusher?
  private var decomposers: [String: LayerDecomposer] = [:]
  /// Programs of original layers, reused by every paired measurement of a sweep (building one
  /// allocates and fills every buffer, which costs more than measuring a small layer).
  private var originals: [String: LayerProgram] = [:]
  private var sequence = 0

  public init(model: ResNetModel, sampler: SamplerConfiguration, events: [String], topology: TopologySummary)
  {
    catalog = ModelCatalog(model)
    self.sampler = sampler
    self.events = events
    flusher =
      sampler.cache == .cold
      ? CacheFlusher(
        lastLevelCacheBytes: topology.lastLevelCacheBytes, lineBytes: topology.caches.first?.lineBytes ?? 64)
      : nil
  }

  /// Continues sequence numbers after `count` earlier points (resume).
  public func skipSequence(to count: Int) { sequence = max(sequence, count) }

  /// The layer's decomposer, created on first use.
  public func decomposer(for name: String) throws -> LayerDecomposer {
    if let cached = decomposers[name] { return cached }
    let layer = try catalog.layer(named: name)
    let decomposer = try LayerDecomposer(layer: layer, seed: Self.seed(for: name))
    decomposers[name] = decomposer
    return decomposer
  }

  /// FNV-1a of the layer name: a stable seed per layer.
  static func seed(for name: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }

  /// The runnable program of a point (decomposition done, buffers allocated and touched).
  /// Programs of the original layer are built once and reused (the thread config does not change them).
  public func program(for spec: PointSpec) throws -> LayerProgram {
    let key = "\(spec.layer)|b\(spec.batch)|\(spec.mode)|\(spec.frozen)"
    if spec.factorization == .original, let cached = originals[key] { return cached }
    let decomposed = try decomposer(for: spec.layer).decompose(spec.factorization)
    let program = try LayerProgram(decomposed, batch: spec.batch, mode: spec.mode, frozen: spec.frozen)
    if spec.factorization == .original { originals[key] = program }
    return program
  }

  func makeSampler() -> Sampler {
    Sampler(
      configuration: sampler, counters: events.isEmpty ? nil : CounterSet(events: events), flusher: flusher)
  }

  func result(_ spec: PointSpec, _ program: LayerProgram, _ measurement: Measurement) -> PointResult {
    defer { sequence += 1 }
    return PointResult(
      spec: spec, sequence: sequence, cost: program.decomposed.cost, flopsPerCall: program.flopsPerCall,
      relativeError: program.decomposed.relativeError, measurement: measurement, pairedReference: nil,
      comparison: nil)
  }

  /// Measures one point with the current thread binding (the caller applies the thread config).
  public func measure(_ spec: PointSpec) throws -> PointResult {
    let program = try program(for: spec)
    let measurement = makeSampler().measure { program.run() }
    return result(spec, program, measurement)
  }

  /// Measures two points interleaved (A B A B …) and compares them.
  public func measurePaired(baseline: PointSpec, candidate: PointSpec) throws -> (
    baseline: PointResult, candidate: PointResult, comparison: PairedComparison
  ) {
    let a = try program(for: baseline)
    let b = try program(for: candidate)
    let outcome = makeSampler().measurePaired(baseline: { a.run() }, candidate: { b.run() })
    return (
      result(baseline, a, outcome.baseline), result(candidate, b, outcome.candidate), outcome.comparison
    )
  }

  /// Measures `candidate` interleaved with `reference` and returns the candidate's result carrying
  /// the reference measurement and the comparison (reference → candidate).
  public func measure(_ candidate: PointSpec, pairedWith reference: PointSpec) throws -> PointResult {
    let outcome = try measurePaired(baseline: reference, candidate: candidate)
    var result = outcome.candidate
    result.pairedReference = outcome.baseline.measurement
    result.comparison = outcome.comparison
    return result
  }
}
