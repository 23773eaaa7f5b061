import Decomposition
import Machine
import Networks
import ONNX
import Profiling
import Programs

/// Builds and measures whole-network points.
///
/// Each model's original weights (and their SVDs / HOSVDs) are made once and shared by every variant; the
/// original network's program is kept per batch and mode for paired measurements, variants are built per
/// point and released after it (a training program of ResNet-50 at batch 8 holds about 2 GB).
package final class ModelRunner {
  let events: [String]
  private var weights: [ResNetModel: NetworkWeights] = [:]
  private var originals: [ModelSpec: NetworkProgram] = [:]
  private var loadedRanks: [String: [String: Factorization]] = [:]
  /// When true every program is kept (a worker process serving many rounds of a few networks).
  let keepsEveryProgram: Bool
  private var retired: [ModelSpec: NetworkProgram] = [:]
  /// Imported networks: each variant as built, and the originals' programs (as for the catalog's).
  private var builds: [String: ImportedNetworkTiming.Built] = [:]
  private var graphOriginals: [ModelSpec: GraphProgram] = [:]

  /// A runner counting `events` on every thread of each measurement; `keepsEveryProgram` keeps the
  /// variants' programs too, not only the originals'.
  package init(events: [String], keepsEveryProgram: Bool = false) {
    self.events = events
    self.keepsEveryProgram = keepsEveryProgram
  }

  /// The original weights of `model`.
  package func weights(for model: ResNetModel) -> NetworkWeights {
    if let cached = weights[model] { return cached }
    let made = NetworkWeights(catalog: ModelCatalog(model))
    weights[model] = made
    return made
  }

  /// Makes `optimized:DIR` ranks of `model` (or of the ONNX file `onnx`) under `policy` be `ranks` (a study's
  /// typed result) instead of what `DIR/ranks.json` holds.
  package func provide(
    _ ranks: [String: Factorization], model: ResNetModel, onnx: ModelFile? = nil, directory: String,
    policy: RankPolicy
  ) {
    loadedRanks["\(onnx?.sha256 ?? model.rawValue)|\(directory)|\(policy)"] = ranks
  }

  /// `spec`'s `optimized:DIR` ranks under `spec.policy`, loaded once per directory; nil for ranks at α.
  func optimizedRanks(for spec: ModelSpec) throws -> [String: Factorization]? {
    guard case .optimized(let directory) = spec.variant.ranks else { return nil }
    let key = "\(spec.onnx?.sha256 ?? spec.model.rawValue)|\(directory)|\(spec.policy)"
    if loadedRanks[key] == nil {
      loadedRanks[key] = try OptimizedRanks.load(
        directory, model: spec.model, onnx: spec.onnx, policy: spec.policy)
    }
    return loadedRanks[key]
  }

  /// The imported network of `spec` as its variant builds it (once per variant, ratio and policy).
  package func built(for spec: ModelSpec) throws -> ImportedNetworkTiming.Built {
    guard let onnx = spec.onnx else {
      throw HarnessError.invalidRequest("\(spec) is not an imported network")
    }
    let key = "\(onnx.sha256)|\(spec.variant)|\(spec.ratio)|\(spec.policy)"
    if let made = builds[key] { return made }
    let made = try ImportedNetworkTiming.build(
      try ImportedModel.cached(onnx), ratio: spec.ratio,
      variant: .init(spec.variant, ranks: try optimizedRanks(for: spec)))
    builds[key] = made
    return made
  }

  /// Layers, parameters and FLOPs per image of `spec`'s network, from its plan (nothing is allocated).
  package func counts(for spec: ModelSpec) throws -> (layers: Int, parameters: Int, flopsPerImage: Int) {
    guard spec.onnx != nil else {
      let plan = try plan(for: spec)
      return (plan.layerCount, plan.parameterCount, plan.flopsPerImage)
    }
    let built = try built(for: spec)
    let factors = built.factors.values.joined()
    return (factors.count, built.parameterCount, factors.reduce(0) { $0 + $1.spec.flopsPerImage })
  }

  /// The plan of `spec` (loading `optimized:DIR` ranks under `spec.policy` once per directory).
  package func plan(for spec: ModelSpec) throws -> NetworkPlan {
    if spec.onnx != nil {
      throw HarnessError.invalidRequest("\(spec) is an imported network: it has a graph, not a catalog plan")
    }
    let ranks = try optimizedRanks(for: spec)
    return try NetworkPlan(
      catalog: ModelCatalog(spec.model), variant: spec.variant, ratio: spec.ratio, optimizedRanks: ranks,
      backends: spec.layerBackends)
  }

  /// Refuses a point whose program (with the original's, when paired) would not fit in memory.
  package func checkMemory(_ spec: ModelSpec, paired: Bool) throws {
    func estimate(_ spec: ModelSpec) throws -> Double {
      guard let onnx = spec.onnx else {
        return MemoryEstimate.network(try plan(for: spec), batch: spec.batch, mode: spec.mode)
      }
      // From the factorizations' shapes: nothing is decomposed to check.
      let model = try ImportedModel.cached(onnx)
      guard let graph = model.graph else { return 0 }
      let chosen = try ImportedNetworkTiming.factorizations(
        model, ratio: spec.ratio, variant: .init(spec.variant, ranks: try optimizedRanks(for: spec)))
      let shapes = model.layers.flatMap { layer in
        (chosen[layer.spec.name] ?? .original).factorShapes(of: layer.spec)
      }
      return MemoryEstimate.graph(graph, factors: shapes, batch: spec.batch, mode: spec.mode)
    }
    var bytes = try estimate(spec)
    if paired && originals[spec.original] == nil && graphOriginals[spec.original] == nil {
      bytes += try estimate(spec.original)
    }
    try MemoryEstimate.check(
      bytes,
      for: "\(spec.onnx?.stem ?? spec.model.rawValue) \(spec.variant) at batch \(spec.batch) (\(spec.mode))",
      reduce: .batch)
  }

  /// The runnable program of `spec` (built now; the original's is cached).
  package func program(for spec: ModelSpec) throws -> NetworkProgram {
    let kept = spec.variant == .original || keepsEveryProgram
    if kept, let cached = originals[spec] { return cached }
    let program = try NetworkProgram(
      plan: try plan(for: spec), weights: weights(for: spec.model), batch: spec.batch, mode: spec.mode)
    if kept { originals[spec] = program }
    return program
  }

  /// The runnable program of an imported `spec` (built now; the original's is cached).
  package func graphProgram(for spec: ModelSpec) throws -> GraphProgram {
    let kept = spec.variant == .original || keepsEveryProgram
    if kept, let cached = graphOriginals[spec] { return cached }
    let program = try ImportedNetworkTiming.program(try built(for: spec), batch: spec.batch, step: spec.mode)
    if kept { graphOriginals[spec] = program }
    return program
  }

  /// `spec`'s step and its counts, whichever kind of network it is.
  func runnable(_ spec: ModelSpec) throws -> (run: () -> Void, counts: NetworkCounts) {
    if spec.onnx != nil {
      let program = try graphProgram(for: spec)
      return ({ program.run() }, NetworkCounts(built: try built(for: spec), program: program))
    }
    let program = try program(for: spec)
    return ({ program.run() }, NetworkCounts(plan: program.plan, program: program))
  }

  /// Drops the kept programs so the next measurements build new ones (new buffers, placed anew).
  ///
  /// They are freed at the next renewal, so the new buffers cannot reuse their addresses. Weights and decompositions are kept.
  package func renewPrograms() {
    retired = originals
    originals = [:]
    graphOriginals = [:]
  }

  /// Drops the cached original programs (between models of a study, to free their memory).
  package func releasePrograms() {
    originals.removeAll()
    graphOriginals.removeAll()
  }

  func sampler(_ configuration: SamplerConfiguration, orderSeed: UInt64) -> Sampler {
    Sampler(
      configuration: configuration, counters: events.isEmpty ? nil : CounterSet(events: events), flusher: nil,
      orderSeed: orderSeed)
  }

  /// Measures `spec` alone with the current binding; `slowdown` (test-only, see `SlowdownInjection`)
  /// adds that fraction of each step's time as a busy-wait inside the timed region.
  package func measure(
    _ spec: ModelSpec, sampler configuration: SamplerConfiguration, sequence: Int, slowdown: Double = 0
  ) throws -> ModelResult {
    let program = try runnable(spec)
    program.run()
    let measurement = sampler(configuration, orderSeed: UInt64(sequence)).measure {
      SlowdownInjection.run(slowdown) { program.run() }
    }
    return ModelResult(
      spec: spec, sequence: sequence, measurement: measurement, pairedReference: nil, comparison: nil,
      counts: program.counts)
  }

  /// Measures `spec` interleaved with the original network (balanced order) and returns its result
  /// carrying the original's measurement and the paired comparison original → `spec`.
  package func measure(
    pairedWithOriginal spec: ModelSpec, sampler configuration: SamplerConfiguration, sequence: Int
  ) throws -> ModelResult {
    let original = try runnable(spec.original)
    let candidate = try runnable(spec)
    let outcome = sampler(configuration, orderSeed: UInt64(sequence)).measurePaired(
      baseline: original.run, candidate: candidate.run)
    return ModelResult(
      spec: spec, sequence: sequence, measurement: outcome.candidate, pairedReference: outcome.baseline,
      comparison: outcome.comparison, counts: candidate.counts)
  }

  /// ‖y − y₀‖/‖y₀‖ of the network's logits against the original's on the same batch (inference,
  /// batch-norm running statistics), or 0 for the original.
  package func outputError(_ spec: ModelSpec, batch: Int) throws -> Double {
    guard spec.variant.isDecomposed else { return 0 }
    var inference = spec
    inference.mode = .inference
    inference.batch = batch
    if spec.onnx != nil {
      let original = try ImportedNetworkTiming.program(try built(for: inference.original), batch: batch)
      let variant = try ImportedNetworkTiming.program(try built(for: inference), batch: batch)
      original.run()
      variant.run()
      return variant.output.relativeError(to: original.output)
    }
    let original = try NetworkProgram(
      plan: try plan(for: inference.original), weights: weights(for: spec.model), batch: batch,
      mode: .inference)
    original.run()
    let variant = try NetworkProgram(
      plan: try plan(for: inference), weights: weights(for: spec.model), batch: batch, mode: .inference)
    variant.run()
    return variant.output.relativeError(to: original.output)
  }
}
