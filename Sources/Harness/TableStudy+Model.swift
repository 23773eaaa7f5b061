import Foundation
import Networks
import ONNX
import Programs

extension TableRun {
  /// Measures and assembles one model's tables.
  func table(for model: ResNetModel) throws -> ModelTable {
    let techniques = plan.techniques
    var ranksDirectory: String?
    var ranksSeconds: Double?
    if techniques.contains(where: \.needsRanks) {
      (ranksDirectory, ranksSeconds) = try ranks(for: model)
    }
    let optimized = ranksDirectory.map { NetworkVariant.Ranks.optimized(directory: $0) }
    let modes: [Mode] = [.inference, .training]
    func task(_ mode: Mode, _ variant: NetworkVariant, _ stage: TableStage? = nil) -> TableTask {
      TableTask(config: plan.threads, model: model, mode: mode, variant: variant, stage: stage)
    }
    func lrd(frozen: Bool = false, merged: Bool = false, branches: Int = 1) -> NetworkVariant {
      NetworkVariant(ranks: .alpha, frozen: frozen, merged: merged, branches: branches)
    }
    let largerBranches = plan.branches.filter { $0 > 1 }
    // Phase 1: every technique on its own (Figure 5 included), both modes.
    var tasks: [TableTask] = []
    for mode in modes {
      for technique in techniques {
        switch technique {
        case .vanilla: tasks.append(task(mode, .lrd))
        case .optimized: if let optimized { tasks.append(task(mode, NetworkVariant(ranks: optimized))) }
        case .frozen: tasks.append(task(mode, lrd(frozen: mode == .training)))
        case .merged: tasks.append(task(mode, lrd(merged: true)))
        case .branched:
          if plan.branches.contains(1) { tasks.append(task(mode, .lrd)) }
          tasks += largerBranches.map { task(mode, lrd(branches: $0)) }
        case .combined: continue
        }
      }
    }
    if !interrupted { try measure(tasks, phase: "[\(model)] techniques") }
    func result(_ mode: Mode, _ variant: NetworkVariant?, _ stage: TableStage? = nil) -> ModelResult? {
      variant.flatMap { executor.results[task(mode, $0, stage).id] }
    }
    func cell(_ mode: Mode, _ variant: NetworkVariant?, _ stage: TableStage? = nil) -> SpeedupCell? {
      result(mode, variant, stage).map { SpeedupCell($0) }
    }
    // Figure 5: N = 1 is vanilla LRD itself.
    let figure5 = plan.branches.map { n in
      let variant = lrd(branches: n)
      return BranchCountPoint(
        branches: n, inference: cell(.inference, variant), training: cell(.training, variant))
    }
    let chosen = TableStudy.bestBranches(figure5)
    // Phase 2: every valid combination of the measured techniques, per mode, screened at a third of the budget.
    var trials: [Mode: [NetworkVariant]] = [:]
    if techniques.contains(.combined) {
      for mode in modes {
        trials[mode] = try combinations(mode, model: model, optimized: optimized, branches: chosen)
      }
      if !interrupted {
        let screening = modes.flatMap { mode in trials[mode, default: []].map { task(mode, $0, .screening) } }
        try measure(screening, phase: "[\(model)] combinations (screening)")
      }
    }
    var best: [Mode: NetworkVariant] = [:]
    for mode in modes {
      best[mode] = trials[mode, default: []].max { a, b in
        (cell(mode, a, .screening)?.percent ?? -.infinity)
          < (cell(mode, b, .screening)?.percent ?? -.infinity)
      }
    }
    // Phase 3: what was chosen (N, each mode's best combination) measured again, independently, for the table.
    var reports: [TableTask] = []
    for mode in modes {
      if techniques.contains(.branched), let n = chosen {
        reports.append(task(mode, lrd(branches: n), .report))
      }
      if let variant = best[mode] { reports.append(task(mode, variant, .report)) }
    }
    if !interrupted { try measure(reports, phase: "[\(model)] report runs") }
    let originalCounts = try runner.counts(for: spec(model, .original, .inference))
    func row(
      _ technique: Technique, inference: NetworkVariant?, training: NetworkVariant?, sameAs: String? = nil,
      stage: TableStage? = nil
    ) -> TechniqueRow? {
      let inferenceResult = result(.inference, inference, stage)
      let trainingResult = result(.training, training, stage)
      guard let counts = (inferenceResult ?? trainingResult)?.counts else { return nil }
      return TechniqueRow(
        technique: technique, inferenceVariant: inference?.label, trainingVariant: training?.label,
        layers: counts.layers,
        parametersChangePercent: (Double(counts.parameters) / Double(originalCounts.1) - 1) * 100,
        flopsChangePercent: (Double(counts.flopsPerImage) / Double(originalCounts.2) - 1) * 100,
        training: trainingResult.map { SpeedupCell($0) },
        inference: inferenceResult.map { SpeedupCell($0, sameNetworkAs: sameAs) })
    }
    var rows: [TechniqueRow] = []
    for technique in techniques {
      switch technique {
      case .vanilla: rows += [row(.vanilla, inference: .lrd, training: .lrd)].compactMap { $0 }
      case .optimized:
        let variant = optimized.map { NetworkVariant(ranks: $0) }
        rows += [row(.optimized, inference: variant, training: variant)].compactMap { $0 }
      case .frozen:
        rows += [
          row(.frozen, inference: .lrd, training: lrd(frozen: true), sameAs: Technique.vanilla.description)
        ]
        .compactMap { $0 }
      case .merged:
        rows += [row(.merged, inference: lrd(merged: true), training: lrd(merged: true))].compactMap { $0 }
      case .branched:
        guard let n = chosen,
          var branched = row(
            .branched, inference: lrd(branches: n), training: lrd(branches: n), stage: .report)
        else { continue }
        branched.inferenceAtSelection = cell(.inference, lrd(branches: n))
        branched.trainingAtSelection = cell(.training, lrd(branches: n))
        rows.append(branched)
      case .combined:
        guard
          var combined = row(
            .combined, inference: best[.inference], training: best[.training], stage: .report)
        else { continue }
        combined.inferenceAtSelection = cell(.inference, best[.inference], .screening)
        combined.trainingAtSelection = cell(.training, best[.training], .screening)
        rows.append(combined)
      }
    }
    let vanillaInference = result(.inference, .lrd)
    let vanillaTraining = result(.training, .lrd)
    let lrdCounts = (vanillaInference ?? vanillaTraining)?.counts
    var table = ModelTable(
      model: model,
      original: ModelSummary(
        layers: originalCounts.0, parameters: originalCounts.1, flopsPerImage: originalCounts.2,
        trainingImagesPerSecond: vanillaTraining.map { SpeedupCell($0).originalImagesPerSecond },
        inferenceImagesPerSecond: vanillaInference.map { SpeedupCell($0).originalImagesPerSecond }),
      lrd: lrdCounts.map {
        ModelSummary(
          layers: $0.layers, parameters: $0.parameters, flopsPerImage: $0.flopsPerImage,
          trainingImagesPerSecond: vanillaTraining?.imagesPerSecond,
          inferenceImagesPerSecond: vanillaInference?.imagesPerSecond)
      },
      rows: rows, figure5: figure5, chosenBranches: chosen, ranksDirectory: ranksDirectory,
      ranksSeconds: ranksSeconds,
      notes: try notes(model, ranksDirectory: ranksDirectory) + TableStudy.combinationNotes(rows, best: best),
      combinations: modes.flatMap { mode in
        trials[mode, default: []].map {
          CombinationTrial(mode: mode, variant: $0.label, screening: cell(mode, $0, .screening))
        }
      })
    table.onnx = plan.onnx
    return table
  }

  /// The point of `model` as `variant` in `mode` (the plan's ONNX file when it has one).
  func spec(_ model: ResNetModel, _ variant: NetworkVariant, _ mode: Mode) -> ModelSpec {
    var spec = ModelSpec(
      model: model, variant: variant, ratio: plan.ratio, policy: plan.policy, batch: plan.batch, mode: mode,
      threads: plan.threads)
    spec.onnx = plan.onnx
    return spec
  }

  /// What differs for an imported network: how layers are counted, which layers vanilla LRD keeps, and what
  /// merging found.
  func importedNotes(_ model: ResNetModel) throws -> [String] {
    let imported = try ImportedModel.cached(plan.onnx!)
    let kept = ImportedNetworkTiming.lrdLayers(imported).kept
    var notes = [
      "\(plan.onnx!) as an eager graph with its own weights. Layers count every convolution and linear factor "
        + "of the graph (shortcut projections included: an imported graph has no main path to single out).",
      "Vanilla LRD decomposes every layer with groups 1 but the first; kept original: "
        + kept.joined(separator: ", ") + ".",
    ]
    if plan.techniques.contains(.merged) {
      let merge = try runner.built(for: spec(model, NetworkVariant(ranks: .alpha, merged: true), .inference))
        .merge
      let refused = (merge?.notMerged ?? []).map { "\($0.layer) \($0.reason)" }
      notes.append(
        "Layer merging merged \(merge?.merged.count ?? 0) bottleneck(s)"
          + ((merge?.merged.isEmpty ?? true) ? "" : " (around " + merge!.merged.joined(separator: ", ") + ")")
          + (refused.isEmpty ? "" : "; not merged: " + refused.joined(separator: "; ")) + ".")
    }
    return notes
  }

  /// Every valid combination of two or more of the plan's measured techniques in `mode` (see
  /// `TableStudy.combinations`); valid: the network planner builds it.
  func combinations(_ mode: Mode, model: ResNetModel, optimized: NetworkVariant.Ranks?, branches: Int?) throws
    -> [NetworkVariant]
  {
    TableStudy.combinations(mode, techniques: plan.techniques, optimized: optimized, branches: branches) {
      (try? runner.counts(for: spec(model, $0, mode))) != nil
    }
  }

  /// What a reader of the model's tables needs to know.
  func notes(_ model: ResNetModel, ranksDirectory: String?) throws -> [String] {
    var notes: [String] = []
    if plan.onnx != nil {
      notes += try importedNotes(model)
    } else {
      let lrd = try runner.plan(for: spec(model, .lrd, .inference))
      notes += ModelTiming.notes(lrd)
      let paperLRDLayers: [ResNetModel: Int] = [.resnet50: 115, .resnet101: 233, .resnet152: 352]
      if let paper = paperLRDLayers[model], paper != lrd.layerCount {
        notes.append(
          "Vanilla LRD counts \(lrd.layerCount) layers here and \(paper) in the paper: 1 stem + 7 per bottleneck "
            + "(SVD 2 + Tucker-2 3 + SVD 2) + 2 for fc gives \(lrd.layerCount); the paper's ResNet-50 figure (115) "
            + "follows the same rule, its ResNet-101/152 figures are one lower.")
      }
    }
    if plan.techniques.contains(.merged) && plan.onnx == nil {
      notes.append(
        "Merged networks count one layer more than the original (fc is SVD-decomposed, as in vanilla LRD); "
          + "the paper reports the original count.")
    }
    if plan.techniques.contains(.frozen) {
      notes.append("Layer freezing changes training only: its inference column is vanilla LRD's measurement.")
    }
    if let ranksDirectory {
      notes.append(
        "Optimized ranks: the \(plan.policy) policy's choices from \(ranksDirectory) (Algorithm 1 on inference "
          + "timings at batch \(plan.batch); training uses the same ranks, as the paper does).")
    } else if plan.techniques.contains(where: \.needsRanks) {
      notes.append("Optimized ranks: the ranks study did not finish; optimized rows are missing.")
    }
    if plan.threads.threads > 1 {
      notes.append(
        "At \(plan.threads.threads) threads OpenBLAS's threaded level-3 driver mallocs a job array on every "
          + "sgemm call (USE_ALLOC_HEAP in Debian's build): the only allocations in the timed steps.")
    }
    return notes
  }
}

extension TableStudy {
  /// Every combination of two or more of `techniques` in `mode` that `isValid` accepts: optimized ranks (when
  /// measured and available), merging, branching with the chosen N (when above 1: N = 1 is no branching) and,
  /// in training only, freezing (it changes nothing in inference).
  static func combinations(
    _ mode: Mode, techniques: [Technique], optimized: NetworkVariant.Ranks?, branches: Int?,
    isValid: (NetworkVariant) -> Bool
  ) -> [NetworkVariant] {
    let available = [
      optimized != nil && techniques.contains(.optimized), mode == .training && techniques.contains(.frozen),
      techniques.contains(.merged), (branches ?? 1) > 1 && techniques.contains(.branched),
    ]
    var variants: [NetworkVariant] = []
    for mask in 1..<16 where mask.nonzeroBitCount >= 2 {
      let on = (0..<4).map { mask & (1 << $0) != 0 }
      guard zip(on, available).allSatisfy({ !$0 || $1 }) else { continue }
      let variant = NetworkVariant(
        ranks: on[0] ? optimized! : .alpha, frozen: on[1], merged: on[2], branches: on[3] ? branches! : 1)
      if isValid(variant) { variants.append(variant) }
    }
    return variants
  }

  /// A note for every mode where the best combination's reported speed-up is below a technique it combines,
  /// with the figures that explain it: it was the best in its screening run and was measured again.
  static func combinationNotes(_ rows: [TechniqueRow], best: [Mode: NetworkVariant]) -> [String] {
    guard let combined = rows.first(where: { $0.technique == .combined }) else { return [] }
    var notes: [String] = []
    for mode in [Mode.inference, .training] {
      let cell = mode == .inference ? combined.inference : combined.training
      let screening = mode == .inference ? combined.inferenceAtSelection : combined.trainingAtSelection
      guard let cell, let variant = best[mode] else { continue }
      let parts: [Technique] =
        (variant.ranks == .alpha ? [] : [.optimized]) + (variant.frozen ? [.frozen] : [])
        + (variant.merged ? [.merged] : []) + (variant.branches > 1 ? [.branched] : [])
      let better = rows.filter { row in
        parts.contains(row.technique)
          && ((mode == .inference ? row.inference : row.training)?.percent ?? -.infinity) > cell.percent
      }
      guard !better.isEmpty else { continue }
      let named = better.map { row in
        let other = (mode == .inference ? row.inference : row.training)!
        return
          "\(row.technique) alone (\(signed(other.percent))%, CI \(signed(other.lower))…\(signed(other.upper)))"
      }
      notes.append(
        "Best combination, \(mode): \(variant.label) measured \(signed(cell.percent))% (CI \(signed(cell.lower))…"
          + "\(signed(cell.upper))) in its report run, below " + named.joined(separator: " and ")
          + ". It was the fastest combination in the screening run (\(screening.map { signed($0.percent) } ?? "n/a")%, a third "
          + "of the budget) and was measured again for the table; where the intervals overlap the order is within "
          + "noise, otherwise combining these techniques costs more than it saves on this machine.")
    }
    return notes
  }

  static func signed(_ value: Double) -> String { String(format: "%+.1f", value) }

  /// The branch count with the best speed-up: the geometric mean over the modes measured.
  static func bestBranches(_ points: [BranchCountPoint]) -> Int? {
    let scored = points.compactMap { point -> (Int, Double)? in
      let speedups = [point.inference, point.training].compactMap { $0.map { 1 + $0.percent / 100 } }
      guard !speedups.isEmpty else { return nil }
      return (point.branches, exp(speedups.map { log($0) }.reduce(0, +) / Double(speedups.count)))
    }
    return scored.max { $0.1 < $1.1 }?.0
  }

}
