import Decomposition
import Machine
import Networks
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

  /// Makes `optimized:DIR` ranks of `model` under `policy` be `ranks` (a study's typed result) instead of
  /// what `DIR/ranks.json` holds.
  package func provide(
    _ ranks: [String: Factorization], model: ResNetModel, directory: String, policy: RankPolicy
  ) {
    loadedRanks["\(model)|\(directory)|\(policy)"] = ranks
  }

  /// The plan of `spec` (loading `optimized:DIR` ranks under `spec.policy` once per directory).
  package func plan(for spec: ModelSpec) throws -> NetworkPlan {
    var ranks: [String: Factorization]?
    if case .optimized(let directory) = spec.variant.ranks {
      let key = "\(spec.model)|\(directory)|\(spec.policy)"
      if loadedRanks[key] == nil {
        loadedRanks[key] = try OptimizedRanks.load(directory, model: spec.model, policy: spec.policy)
      }
      ranks = loadedRanks[key]
    }
    return try NetworkPlan(
      catalog: ModelCatalog(spec.model), variant: spec.variant, ratio: spec.ratio, optimizedRanks: ranks,
      backends: spec.layerBackends)
  }

  /// Refuses a point whose program (with the original's, when paired) would not fit in memory.
  package func checkMemory(_ spec: ModelSpec, paired: Bool) throws {
    var bytes = MemoryEstimate.network(try plan(for: spec), batch: spec.batch, mode: spec.mode)
    if paired && originals[spec.original] == nil {
      bytes += MemoryEstimate.network(try plan(for: spec.original), batch: spec.batch, mode: spec.mode)
    }
    try MemoryEstimate.check(
      bytes, for: "\(spec.model) \(spec.variant) at batch \(spec.batch) (\(spec.mode))",
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

  /// Drops the kept programs so the next measurements build new ones (new buffers, placed anew).
  ///
  /// They are freed at the next renewal, so the new buffers cannot reuse their addresses. Weights and decompositions are kept.
  package func renewPrograms() {
    retired = originals
    originals = [:]
  }

  /// Drops the cached original programs (between models of a study, to free their memory).
  package func releasePrograms() {
    originals.removeAll()
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
    let program = try program(for: spec)
    program.run()
    let measurement = sampler(configuration, orderSeed: UInt64(sequence)).measure {
      SlowdownInjection.run(slowdown) { program.run() }
    }
    return ModelResult(
      spec: spec, sequence: sequence, measurement: measurement, pairedReference: nil, comparison: nil,
      counts: NetworkCounts(plan: program.plan, program: program))
  }

  /// Measures `spec` interleaved with the original network (balanced order) and returns its result
  /// carrying the original's measurement and the paired comparison original → `spec`.
  package func measure(
    pairedWithOriginal spec: ModelSpec, sampler configuration: SamplerConfiguration, sequence: Int
  ) throws -> ModelResult {
    let original = try program(for: spec.original)
    let candidate = try program(for: spec)
    let outcome = sampler(configuration, orderSeed: UInt64(sequence)).measurePaired(
      baseline: { original.run() }, candidate: { candidate.run() })
    return ModelResult(
      spec: spec, sequence: sequence, measurement: outcome.candidate, pairedReference: outcome.baseline,
      comparison: outcome.comparison, counts: NetworkCounts(plan: candidate.plan, program: candidate))
  }

  /// ‖y − y₀‖/‖y₀‖ of the network's logits against the original's on the same batch (inference,
  /// batch-norm running statistics), or 0 for the original.
  package func outputError(_ spec: ModelSpec, batch: Int) throws -> Double {
    guard spec.variant.isDecomposed else { return 0 }
    var inference = spec
    inference.mode = .inference
    inference.batch = batch
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
