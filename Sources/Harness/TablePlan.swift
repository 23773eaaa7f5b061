import Decomposition
import Machine
import Networks
import ONNX
import Profiling
import Programs
import Support
import Tensors

/// A row of the paper's Table 3: a technique of §2 (vanilla LRD and its four remedies) or the best
/// combination of them.
package enum Technique: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  case vanilla
  case optimized
  case frozen
  case merged
  case branched
  case combined

  /// The paper's row name.
  package var description: String {
    switch self {
    case .vanilla: return "Vanilla LRD"
    case .optimized: return "Optimized ranks"
    case .frozen: return "Layer freezing"
    case .merged: return "Layer merging"
    case .branched: return "Layer branching"
    case .combined: return "Best combination"
    }
  }

  /// Whether the technique needs per-layer optimized ranks (the best combination uses them only when the
  /// optimized row is measured too).
  package var needsRanks: Bool { self == .optimized }

  /// Parses "vanilla,optimized,…" or "all".
  package static func parseList(_ text: String) throws(HarnessError) -> [Technique] {
    if text.lowercased() == "all" { return allCases }
    var result: [Technique] = []
    for part in CommaList.items(text) {
      guard let technique = Technique(rawValue: part.lowercased()) else {
        let close = ClosestNames.to(part, in: allCases.map(\.rawValue), limit: 1)
        throw .invalidRequest(
          "unknown technique '\(ClosestNames.truncated(part))'"
            + (close.isEmpty ? "" : " (did you mean \(close[0])?)")
            + "; techniques: \(allCases.map(\.rawValue).joined(separator: ", ")), all")
      }
      guard !result.contains(technique) else {
        throw HarnessError.setting(
          .techniques, ": \(technique.rawValue) is listed twice; list each technique once")
      }
      result.append(technique)
    }
    guard !result.isEmpty else { throw HarnessError.setting(.techniques, "needs at least one technique") }
    return result
  }
}

/// Everything that defines a `table` study (saved as `plan.json`; `--resume` continues it).
package struct TablePlan: Codable, Sendable, Equatable {
  /// The models measured, in order.
  package var models: [ResNetModel]
  /// The techniques of Table 3, in order.
  package var techniques: [Technique]
  /// Branch counts of the whole-network Figure 5 (1 is vanilla LRD itself).
  package var branches: [Int]
  /// Compression ratio α of vanilla LRD.
  package var ratio: Double
  /// The policy whose choices optimized ranks use.
  package var policy: RankPolicy
  package var batch: Int
  /// The one thread config measured.
  package var threads: ThreadConfig
  /// Paired measurements (variant interleaved with the original), per mode.
  package var inference: SamplerConfiguration
  /// The sampler of training comparisons.
  package var training: SamplerConfiguration
  /// Model → a finished `ranks` directory; models without one get a quick ranks study of their own
  /// (in `<out>/ranks-<model>/`).
  package var ranksFrom: [String: String]
  /// The quick ranks study's uniform grid: about this many ranks per layer; nil (the default) sweeps each layer
  /// with the `cliffs` strategy instead (inference, batch and threads as above).
  package var ranksPerLayer: Int?
  /// The quick ranks study's sampler.
  package var ranksSampler: SamplerConfiguration
  /// Counters read during sampling (empty for none).
  package var events: [String]
  /// The kernel backend measured on (nil in plans written before backends were recorded: OpenBLAS).
  package var backend: GEMMBackend?
  /// `--backend best:PATH`: per model, each catalog layer's fastest backend (resolved when the plan is made,
  /// so a resumed table uses the same); nil: every kernel on `backend`.
  package var layerBackends: [String: [String: GEMMBackend]]?
  /// The shard of the models this run measures (`measuredModels`), nil for all of them; `ShardMerge` joins
  /// the shards' directories into the whole table.
  package var shard: Shard?
  /// An imported (ONNX) network measured instead of catalog models: `models` then holds one entry that only
  /// stands for it (names the journal's keys), and `ranksFrom` is keyed by that entry.
  package var onnx: ModelFile?

  /// A plan from the command's options.
  package init(
    models: [ResNetModel], techniques: [Technique], branches: [Int], ratio: Double, policy: RankPolicy,
    batch: Int, threads: ThreadConfig, inference: SamplerConfiguration, training: SamplerConfiguration,
    ranksFrom: [String: String], ranksPerLayer: Int?, ranksSampler: SamplerConfiguration, events: [String]
  ) {
    self.models = models
    self.techniques = techniques
    self.branches = branches
    self.ratio = ratio
    self.policy = policy
    self.batch = batch
    self.threads = threads
    self.inference = inference
    self.training = training
    self.ranksFrom = ranksFrom
    self.ranksPerLayer = ranksPerLayer
    self.ranksSampler = ranksSampler
    self.events = events
  }

  /// The sampler of `mode`'s paired measurements.
  package func sampler(_ mode: Mode) -> SamplerConfiguration { mode == .training ? training : inference }

  /// Validates as the command line would: models, branch counts, ratio, batch, threads, samplers,
  /// the ranks study, and (for every model) that each branch count leaves a rank.
  package func validate(cores: Int) throws {
    guard !models.isEmpty else { throw HarnessError.setting(.models, "needs at least one model") }
    guard !techniques.isEmpty else {
      throw HarnessError.setting(.techniques, "needs at least one technique")
    }
    guard !branches.isEmpty, branches.allSatisfy({ $0 >= 1 }) else {
      throw HarnessError.setting(.branches, ": counts must be at least 1 (e.g. 1,2,4,8,16)")
    }
    try BranchesPlan.checkDistinct(branches)
    guard RankSelection.isValidRatio(ratio) else {
      throw HarnessError.setting(
        .ratio,
        "must be greater than 1 and at most \(Int(RankSelection.maximumRatio)) (parameters ÷ α), got \(ratio)"
      )
    }
    if let ranksPerLayer, !(1...100_000).contains(ranksPerLayer) {
      throw HarnessError.setting(.ranksPerLayer, "must be at least 1, got \(ranksPerLayer)")
    }
    try SweepPlan.validateCommon(
      batch: batch, threadConfigs: [threads], cores: cores, sampler: inference, policies: [policy],
      referenceEvery: 1, confirmBudget: 0, tieTolerance: 0, passes: 1, events: events)
    try training.validate()
    try ranksSampler.validate()
    if onnx != nil {
      guard models.count == 1 else {
        throw HarnessError.invalidRequest("a table of an ONNX model measures that one network, not \(models)")
      }
    } else {
      for model in models {
        for n in branches where n > 1 {
          _ = try NetworkPlan(
            catalog: ModelCatalog(model), variant: NetworkVariant(ranks: .alpha, branches: n), ratio: ratio)
        }
      }
    }
    try checkShard(unit: TableStudy.shardUnit)
    for (name, _) in ranksFrom where ResNetModel(parsing: name).map({ !models.contains($0) }) ?? true {
      throw HarnessError.setting(.ranksFrom, "has ranks of \(name), which is not among the models measured")
    }
  }
}
