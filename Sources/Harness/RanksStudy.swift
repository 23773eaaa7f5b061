import Decomposition
import Machine
import Networks
import ONNX
import OrderedCollections
import Profiling
import Programs
import Support
import Tensors

/// What `ranks` saves as `ranks-plan.json` so `--resume` continues the same study.
package struct RanksPlan: Codable, Sendable, Equatable {
  /// The model whose layers are swept.
  package var model: ResNetModel
  /// A regular expression over layer names, nil for every decomposable layer.
  package var filter: String?
  /// Every sweep option but the layer and its ranks.
  package var settings: SweepSettings
  /// When set, each layer's step is ⌈(R − R_min) / ranksPerLayer⌉ instead of the template's, so every
  /// layer is swept at about this many ranks whatever its size (a quick study).
  package var ranksPerLayer: Int?
  /// `ranks --backend all`: the backends studied one after the other, each in its own child run directory
  /// (the template's backend is then nil); nil for a single-backend study.
  package var backends: [GEMMBackend]?
  /// The shard of the distinct layer shapes this run measures (`measuredShapes()`), nil for all of them.
  ///
  /// `ShardMerge` joins the shards' directories into the whole study.
  package var shard: Shard?
  /// The ONNX file whose layers (with their real weights) the study sweeps; nil for the catalog model's.
  package var onnx: ModelFile?
  /// The kernel backend measured on: the settings'.
  package var backend: GEMMBackend? {
    get { settings.backend }
    set { settings.backend = newValue }
  }

  /// A plan from the command's options.
  package init(model: ResNetModel, filter: String?, settings: SweepSettings, ranksPerLayer: Int? = nil) {
    self.model = model
    self.filter = filter
    self.settings = settings
    self.ranksPerLayer = ranksPerLayer
  }

  /// The layers the study covers: the catalog's, or the ONNX file's with groups 1 (grouped convolutions are
  /// not swept), matching the filter.
  package func layers() throws -> [LayerSpec] {
    guard let onnx else {
      let catalog = ModelCatalog(model)
      return try filter.map { try catalog.layers(matching: $0) } ?? catalog.layers
    }
    return try ImportedModel.cached(onnx).layers(matching: filter).filter { $0.groups == 1 }
  }

  /// The study's work list: one representative layer per distinct shape, in catalog order.
  package func shapes() throws -> [LayerSpec] {
    var representatives = OrderedDictionary<String, LayerSpec>()
    for layer in try layers() where representatives[layer.shapeKey] == nil {
      representatives[layer.shapeKey] = layer
    }
    return Array(representatives.values)
  }

  /// The study's work list for sharding: each distinct shape (by its first layer), costing its FLOPs per
  /// image × the ranks swept.
  package func shardUnits() throws -> [ShardUnit] {
    try shapes().map { layer in
      let sweep = try plan(for: layer)
      return ShardUnit(
        name: layer.name,
        cost: Double(layer.flopsPerImage) * Double((sweep.from - sweep.to) / max(sweep.step, 1) + 1))
    }
  }

  /// The shapes this run sweeps: every shape, or its shard's, split by estimated cost (`shardUnits()`), so
  /// the same plan always gives the same shards.
  package func measuredShapes() throws -> [LayerSpec] {
    let all = try shapes()
    return try measuredUnitIndices().map { all[$0] }
  }

  /// One layer's sweep plan.
  package func plan(for layer: LayerSpec) throws -> SweepPlan {
    var step = settings.step
    if let ranksPerLayer {
      guard ranksPerLayer >= 1 else {
        throw HarnessError.setting(.ranksPerLayer, "must be at least 1, got \(ranksPerLayer)")
      }
      let span = try SweepPlan.resolveRanks(layer: layer, ratio: settings.ratio, from: nil, to: nil, step: 1)
      step = max(1, (span.from - span.to + ranksPerLayer - 1) / ranksPerLayer)
    }
    var settings = settings
    settings.step = step
    let ranks = try SweepPlan.resolveRanks(
      layer: layer, ratio: settings.ratio, from: nil, to: nil, step: step,
      anchor: settings.policies.contains(.paperAnchor))
    var plan = SweepPlan(model: model, layer: layer.name, ranks: ranks, settings: settings)
    plan.onnx = onnx
    return plan
  }

  /// Validates as the command line would (see `SweepPlan.validate`).
  package func validate(cores: Int) throws {
    let layers = try layers()
    guard !layers.isEmpty else { throw HarnessError.invalidRequest("the study covers no layer") }
    for layer in layers { try plan(for: layer).validate(cores: cores) }
    try checkShard(unit: RanksStudy.shardUnit)
  }
}

/// One row of the paper's Table 2 measured here: a layer, its α ranks and each policy's choice.
package struct RanksRow: Codable, Sendable, Equatable {
  /// The layer's torchvision name.
  package var layer: String
  package var inChannels: Int
  package var outChannels: Int
  package var kernel: Int
  /// The factorization at α (for example "tucker2:309,309").
  package var alphaFactorization: String
  /// The rank at α (the sweep's R).
  package var alphaRank: Int
  /// Policy name → chosen rank, or nil for ORG.
  package var choices: [String: Int?]
  /// Policy name → speed-up of the choice over the original (1 for ORG), from the choice's check — a fresh
  /// measurement — when it ran.
  package var speedups: [String: Double]
  /// Policy name → the sweep's own estimate of that speed-up, the one the choice was made on (nil in results
  /// written before it was recorded).
  package var selectionSpeedups: [String: Double]?
  /// The layer whose sweep this row uses (itself, or an earlier layer of identical shape).
  package var measuredAs: String
  /// Time of the original layer (median of its re-measurements).
  package var originalSeconds: Double
  /// Policy name → how often resampled sweeps pick the same answer (nil in results written before it existed).
  package var stability: [String: DecisionStability]?
  /// Policies whose decision rests on a point that did not reproduce (see `Reproduction`).
  package var unreproduced: [String]?
}

/// The `ranks` result: Algorithm 1 over a model's layers.
package struct RanksResult: Codable, Sendable {
  /// The schema string of `ranks.json`.
  package static let schemaVersion = "lrd-bench/ranks@2"
  /// The schema of this result.
  package var schema = RanksResult.schemaVersion
  package var model: ResNetModel
  /// Compression ratio α that gives each layer's R.
  package var ratio: Double
  package var batch: Int
  package var mode: Mode
  /// The thread config measured.
  package var threads: ThreadConfig
  /// The policies applied to each sweep.
  package var policies: [RankPolicy]
  /// One row per layer, in catalog order.
  package var rows: [RanksRow]
  /// Distinct shapes swept (identical shapes are measured once).
  package var sweeps: Int
  /// Points measured over all sweeps.
  package var points: Int
  /// The original timed briefly on every installed kernel library before measuring (nil when skipped or in
  /// results written before the check existed).
  package var backendCheck: BackendCheck?
  /// True when the run was interrupted: partial results.
  package var interrupted: Bool
  /// The shard this result holds (its rows are the layers of its shapes); nil for a whole study, merged or not.
  package var shard: Shard?
  /// For a merged study: each shard's directory and the layers it measured, in shard order (nil otherwise).
  package var mergedFrom: [MergedShard]?
  /// The ONNX file the layers came from (nil for the catalog model's).
  package var onnx: ModelFile?
  /// Wall time of this process, in seconds.
  package var elapsedSeconds: Double
  /// The machine the study ran on.
  package var fingerprint: MachineFingerprint
  /// Each swept shape's sweep, with its run directory (`sweeps/<layer>/`), for the sweeps' own reports; not
  /// part of `ranks.json` (each sweep writes its own files).
  package var sweepRuns: [ChildRun<SweepResult>] = []

  enum CodingKeys: String, CodingKey {
    case schema, model, ratio, batch, mode, threads, policies, rows, sweeps, points, backendCheck, interrupted
    case elapsedSeconds, fingerprint, shard, mergedFrom, onnx
  }
}

/// Algorithm 1 over a model's layers: a rank sweep per distinct layer shape (each in `<out>/sweeps/<layer>/`
/// with its own plan and journal, so `--resume` works), assembled into the ranks table.
package enum RanksStudy: MultiBackendStudy {
  package static let kind = "ranks"
  package static let planFile = "ranks-plan.json"

  package static func directoryName(for plan: RanksPlan) -> String {
    plan.onnx?.stem ?? plan.model.rawValue
  }

  package static func validate(_ plan: RanksPlan, cores: Int) throws { try plan.validate(cores: cores) }

  package static func checkMemory(_ plan: RanksPlan) throws {
    for layer in try plan.layers() { try SweepStudy.checkMemory(try plan.plan(for: layer)) }
  }

  package static func backendCheck(_ plan: RanksPlan, in context: StudyContext) -> (
    () throws -> BackendCheck
  )? {
    // The check times a catalog network; an ONNX model's study has none.
    guard plan.onnx == nil else { return nil }
    return {
      try BackendChecker.network(
        plan.model,
        threads: plan.settings.threadConfigs.last
          ?? .init(threads: context.topology.summary.coreCount, binding: .compact),
        topology: context.topology)
    }
  }

  /// Sweeps every distinct layer shape not yet finished in the directory and returns the ranks table.
  package static func run(_ plan: RanksPlan, in context: StudyContext) throws -> RanksResult {
    let start = MonotonicClock.now()
    let fingerprint = MachineFingerprint.capture(topology: context.topology.summary)
    let layers = try plan.layers()
    // One sweep per distinct shape (this shard's, when sharded), represented by its first layer, in catalog order.
    let order = try plan.measuredShapes()
    var sweeps: [String: SweepResult] = [:]
    var runs: [ChildRun<SweepResult>] = []
    var interrupted = false
    var points = 0
    for (index, layer) in order.enumerated() {
      if Interruption.isRequested {
        interrupted = true
        break
      }
      let sweepPlan = try plan.plan(for: layer)
      let sub = try context.directory.child(
        "sweeps/\(layer.name)", kind: SweepStudy.kind, planFile: SweepStudy.planFile, plan: sweepPlan)
      let result = try SweepStudy.run(
        sweepPlan,
        in: context.child(sub, phase: context.phase + "[\(index + 1)/\(order.count) \(layer.name)]"))
      points += result.configs.reduce(0) {
        $0 + $1.references.count + $1.ranks.count + ($1.anchor == nil ? 0 : 1)
      }
      runs.append(ChildRun(directory: sub, result: result))
      sweeps[layer.shapeKey] = result
      if result.interrupted {
        interrupted = true
        break
      }
    }
    var rows: [RanksRow] = []
    for layer in layers {
      guard let sweep = sweeps[layer.shapeKey], let config = sweep.configs.first else { continue }
      let alpha = try RankSelection.factorization(for: layer, ratio: plan.settings.ratio)
      var choices: [String: Int?] = [:]
      var speedups: [String: Double] = [:]
      var selectionSpeedups: [String: Double] = [:]
      var stability: [String: DecisionStability] = [:]
      var unreproduced: [String] = []
      for decision in config.decisions {
        choices[decision.policy.rawValue] = decision.choice.rank
        speedups[decision.policy.rawValue] = decision.reportedSpeedup
        selectionSpeedups[decision.policy.rawValue] = decision.speedup
        stability[decision.policy.rawValue] = decision.stability
        if decision.reproduction?.reproduced == false { unreproduced.append(decision.policy.rawValue) }
      }
      rows.append(
        RanksRow(
          layer: layer.name, inChannels: layer.inChannels, outChannels: layer.outChannels,
          kernel: layer.kernel,
          alphaFactorization: alpha.description, alphaRank: alpha.primaryRank ?? 0, choices: choices,
          speedups: speedups, selectionSpeedups: selectionSpeedups, measuredAs: sweep.plan.layer,
          originalSeconds: config.referenceSeconds, stability: stability, unreproduced: unreproduced))
    }
    let settings = plan.settings
    var result = RanksResult(
      model: plan.model, ratio: settings.ratio, batch: settings.batch, mode: settings.mode,
      threads: settings.threadConfigs.first ?? ThreadConfig(threads: 1, binding: .compact),
      policies: settings.policies, rows: rows, sweeps: sweeps.count, points: points, interrupted: interrupted,
      elapsedSeconds: MonotonicClock.seconds(since: start), fingerprint: fingerprint.finished())
    result.sweepRuns = runs
    result.shard = plan.shard
    result.onnx = plan.onnx
    return result
  }
}
