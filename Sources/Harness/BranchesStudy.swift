import Decomposition
import Machine
import Networks
import ONNX
import Profiling
import Programs
import Statistics
import Support
import Tensors

/// Everything that defines a `branches` study (saved as `plan.json`; `--resume` continues it).
package struct BranchesPlan: Codable, Sendable, Equatable {
  /// The model whose layer is branched.
  package var model: ResNetModel
  /// The layer's torchvision name.
  package var layer: String
  /// Branch counts N measured (1 is plain Tucker-2).
  package var branches: [Int]
  /// Compression ratio α that gives the Tucker-2 ranks before rounding to N.
  package var ratio: Double
  package var batch: Int
  package var mode: Mode
  /// The one thread config measured.
  package var threads: ThreadConfig
  /// How each branch count is sampled (paired with the original).
  package var sampler: SamplerConfiguration
  /// Counters read during sampling (empty for none).
  package var events: [String]
  /// The kernel backend measured on (nil in plans written before backends were recorded: OpenBLAS).
  package var backend: GEMMBackend?
  /// The shard of the branch counts this run measures, nil for all of them; `ShardMerge` joins the shards.
  package var shard: Shard?
  /// The ONNX file whose layer (with its real weights) is branched; nil for the catalog model's.
  package var onnx: ModelFile?

  /// The branched layer: the ONNX file's, or the catalog model's.
  package func layerSpec() throws -> LayerSpec {
    if let onnx { return try ImportedModel.cached(onnx).layer(named: layer).spec }
    return try ModelCatalog(model).layer(named: layer)
  }

  /// A plan from the command's options.
  package init(
    model: ResNetModel, layer: String, branches: [Int], ratio: Double, batch: Int, mode: Mode,
    threads: ThreadConfig,
    sampler: SamplerConfiguration, events: [String]
  ) {
    self.model = model
    self.layer = layer
    self.branches = branches
    self.ratio = ratio
    self.batch = batch
    self.mode = mode
    self.threads = threads
    self.sampler = sampler
    self.events = events
  }

  /// Branched Tucker at the α ranks rounded down to multiples of each N (N = 1 is Tucker-2); throws
  /// when the layer is not a k×k convolution or N leaves no rank.
  package func factorizations() throws -> [(branches: Int, factorization: Factorization)] {
    let layer = try layerSpec()
    guard !layer.shape.hasOneByOneKernel, layer.groups == 1 else {
      throw HarnessError.invalidRequest(
        "\(self.layer) is \(layer.kernel)×\(layer.kernel); branched Tucker needs a k×k convolution "
          + "(e.g. layer4.2.conv2)")
    }
    let (r1, r2) = try RankSelection.tucker2Ranks(
      inChannels: layer.inChannels, outChannels: layer.outChannels, kernel: layer.kernel, ratio: ratio)
    return try branches.map { n in
      guard n >= 1 else {
        throw HarnessError.setting(.branches, ": counts must be at least 1, got \(n)")
      }
      let (b1, b2) = (r1 / n * n, r2 / n * n)
      guard b1 >= n, b2 >= n else {
        throw HarnessError.invalidRequest(
          "\(n) branches leave no rank at α = \(ratio) (r1 = \(r1), r2 = \(r2)); use at most \(min(r1, r2)) branches"
        )
      }
      return (n, .branched(r1: b1, r2: b2, branches: n))
    }
  }

  /// Refuses a branch count given twice (each count is one measurement, keyed by its value).
  static func checkDistinct(_ branches: [Int]) throws(HarnessError) {
    var seen = Set<Int>()
    for n in branches where !seen.insert(n).inserted {
      throw HarnessError.setting(.branches, "lists \(n) twice; give each count once (e.g. 1,2,4,8)")
    }
  }

  /// Validates as the command line would.
  package func validate(cores: Int) throws {
    guard !branches.isEmpty else { throw HarnessError.setting(.branches, "needs at least one count") }
    try Self.checkDistinct(branches)
    guard RankSelection.isValidRatio(ratio) else { throw DecompositionError.badCompressionRatio(ratio) }
    _ = try factorizations()
    try SweepPlan.validateCommon(
      batch: batch, threadConfigs: [threads], cores: cores, sampler: sampler, policies: [.paper],
      referenceEvery: 1,
      confirmBudget: 0, tieTolerance: 0, passes: 1, events: events)
    try checkShard(unit: BranchesStudy.shardUnit)
  }
}

/// A branch count measured paired with the original.
package struct BranchTask: MeasurementTask {
  /// The thread config of the measurement.
  package var config: ThreadConfig
  /// The branch count N.
  package var branches: Int
  /// The journal key, for example `2t-compact/branches/4`.
  package var id: String { "\(config.label)/branches/\(branches)" }
}

/// One branch count of `lrd-bench branches`.
package struct BranchPoint: Codable, Sendable, Equatable {
  /// The branch count N.
  package var branches: Int
  /// The branched factorization measured (ranks rounded down to multiples of N).
  package var factorization: Factorization
  /// The branched layer, carrying the original measured with it and the paired comparison.
  package var result: PointResult
  /// T / t from the paired comparison.
  package var speedup: Double { result.comparison?.speedup ?? .nan }
  /// (params_branched / params_original − 1) × 100.
  package var parametersChangePercent: Double
  /// (FLOPs_branched / FLOPs_original − 1) × 100.
  package var flopsChangePercent: Double
}

/// The `branches` result (the paper's Figure 5 for one layer).
package struct BranchesResult: Codable, Sendable {
  /// The schema string of `branches.json`.
  package static let schemaVersion = "lrd-bench/branches@2"
  /// The schema of this result.
  package var schema = BranchesResult.schemaVersion
  package var plan: BranchesPlan
  /// The layer, as stored in results.
  package var layer: LayerSpecSnapshot
  /// The binding read back for the thread config.
  package var binding: BindingRecord
  /// One point per branch count, in the plan's order.
  package var points: [BranchPoint]
  /// True when the run was interrupted: partial results.
  package var interrupted: Bool
  /// The machine the study ran on.
  package var fingerprint: MachineFingerprint
  /// How the paired comparisons were computed, in words.
  package var comparisonMethod: String
  /// Always nil: branches has no backend check (the field makes it a `StudyResult`).
  package var backendCheck: BackendCheck?
  /// The shard of the branch counts this result holds; nil for a whole study, merged or not.
  package var shard: Shard?
  /// For a merged study: each shard's directory and the branch counts it measured.
  package var mergedFrom: [MergedShard]?

  /// The original's time: median of its medians measured alongside each branch count.
  package var referenceSeconds: Double {
    let medians = points.compactMap { $0.result.pairedReference?.statistics.median }.sorted()
    return medians.isEmpty ? .nan : SampleStatistics.quantile(medians, 0.5)
  }
}

/// Branched Tucker at each N, each measured paired with the original, journaled and resumable.
package enum BranchesStudy: Study {
  package static let kind = "branches"
  package static let planFile = "plan.json"

  package static func directoryName(for plan: BranchesPlan) -> String { plan.layer }

  package static func validate(_ plan: BranchesPlan, cores: Int) throws { try plan.validate(cores: cores) }

  /// The largest branched program and the original's, alive together.
  package static func checkMemory(_ plan: BranchesPlan) throws {
    let layer = try plan.layerSpec()
    let largest =
      try plan.factorizations().map {
        MemoryEstimate.layerProgram(layer, $0.factorization, batch: plan.batch, mode: plan.mode)
      }.max() ?? 0
    try MemoryEstimate.check(
      largest + MemoryEstimate.layerProgram(layer, .original, batch: plan.batch, mode: plan.mode),
      for: "\(plan.layer) at batch \(plan.batch)", reduce: .batch)
  }

  /// Measures every branch count of `plan` not yet in the directory's journal, paired with the original, and
  /// returns the result.
  package static func run(_ plan: BranchesPlan, in context: StudyContext) throws -> BranchesResult {
    let (directory, topology, events) = (context.directory, context.topology, context.events)
    let runner = PointRunner(
      model: plan.model, onnx: plan.onnx, events: plan.events, topology: topology.summary)
    let layer = try runner.layer(named: plan.layer)
    let all = try plan.factorizations()
    let factorizations = try plan.measuredUnitIndices().map { all[$0] }
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let executor = TaskExecutor(
      journal: try directory.journal(TaskEntry<BranchTask, PointResult>.self), topology: topology,
      events: events)
    func spec(_ factorization: Factorization) -> PointSpec {
      PointSpec(
        model: plan.model, layer: plan.layer, factorization: factorization, batch: plan.batch,
        mode: plan.mode,
        threads: plan.threads, cache: plan.sampler.cache, onnx: plan.onnx)
    }
    let tasks = factorizations.map { BranchTask(config: plan.threads, branches: $0.branches) }
    try executor.run(tasks, phase: context.phase, runner: runner) { task in
      let factorization = factorizations.first { $0.branches == task.branches }!.factorization
      return TaskMeasurement(point: spec(factorization), reference: spec(.original), sampler: plan.sampler)
    }
    let original = FactorizationCost(layer, .original)
    let points = factorizations.compactMap { entry -> BranchPoint? in
      guard let result = executor.results[BranchTask(config: plan.threads, branches: entry.branches).id]
      else {
        return nil
      }
      let change = FactorizationCost(layer, entry.factorization).percentChange(from: original)
      return BranchPoint(
        branches: entry.branches, factorization: entry.factorization, result: result,
        parametersChangePercent: change.parameters, flopsChangePercent: change.flops)
    }
    var result = BranchesResult(
      plan: plan, layer: SweepRunner.snapshot(layer, ratio: plan.ratio),
      binding: try executor.bind(plan.threads),
      points: points, interrupted: executor.interrupted, fingerprint: fingerprint.finished(),
      comparisonMethod: "each branch count measured paired with the original ("
        + PairedComparison.methodDescription
        + ")")
    result.shard = plan.shard
    return result
  }
}
