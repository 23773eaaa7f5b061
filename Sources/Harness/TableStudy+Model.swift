import Foundation
import Networks
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
    func task(_ mode: Mode, _ variant: NetworkVariant) -> TableTask {
      TableTask(config: plan.threads, model: model, mode: mode, variant: variant)
    }
    func lrd(frozen: Bool = false, merged: Bool = false, branches: Int = 1) -> NetworkVariant {
      NetworkVariant(ranks: .alpha, frozen: frozen, merged: merged, branches: branches)
    }
    let largerBranches = plan.branches.filter { $0 > 1 }
    // Phase 1: every technique but the combination, both modes.
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
    func result(_ mode: Mode, _ variant: NetworkVariant?) -> ModelResult? {
      variant.flatMap { executor.results[task(mode, $0).id] }
    }
    func cell(_ mode: Mode, _ variant: NetworkVariant) -> SpeedupCell? {
      result(mode, variant).map { SpeedupCell($0) }
    }
    // Figure 5: N = 1 is vanilla LRD itself.
    let figure5 = plan.branches.map { n in
      let variant = lrd(branches: n)
      return BranchCountPoint(
        branches: n, inference: cell(.inference, variant), training: cell(.training, variant))
    }
    let chosen = TableStudy.bestBranches(figure5)
    // Phase 2: the combinations, with the chosen branch count.
    var combos: [Mode: [NetworkVariant]] = [:]
    if techniques.contains(.combined), let optimized, let n = chosen {
      func combo(frozen: Bool = false, merged: Bool = false) -> NetworkVariant {
        NetworkVariant(ranks: optimized, frozen: frozen, merged: merged, branches: n)
      }
      combos[.inference] = [combo(merged: true), combo()]
      combos[.training] = [combo(merged: true), combo(frozen: true)]
      if !interrupted {
        let comboTasks = modes.flatMap { mode in combos[mode, default: []].map { task(mode, $0) } }
        try measure(comboTasks, phase: "[\(model)] combinations")
      }
    }
    let original = try runner.plan(
      for: ModelSpec(
        model: model, variant: .original, ratio: plan.ratio, policy: plan.policy, batch: plan.batch,
        mode: .inference, threads: plan.threads))
    let originalCounts = (original.layerCount, original.parameterCount, original.flopsPerImage)
    func row(
      _ technique: Technique, inference: NetworkVariant?, training: NetworkVariant?, sameAs: String? = nil
    ) -> TechniqueRow? {
      let inferenceResult = result(.inference, inference)
      let trainingResult = result(.training, training)
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
        if let n = chosen {
          rows += [row(.branched, inference: lrd(branches: n), training: lrd(branches: n))].compactMap { $0 }
        }
      case .combined:
        let best = modes.map { mode in
          combos[mode, default: []].max { a, b in
            (result(mode, a)?.comparison?.speedup ?? 0) < (result(mode, b)?.comparison?.speedup ?? 0)
          }
        }
        rows += [row(.combined, inference: best[0], training: best[1])].compactMap { $0 }
      }
    }
    let vanillaInference = result(.inference, .lrd)
    let vanillaTraining = result(.training, .lrd)
    let lrdCounts = (vanillaInference ?? vanillaTraining)?.counts
    return ModelTable(
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
      notes: try notes(model, ranksDirectory: ranksDirectory))
  }

  /// What a reader of the model's tables needs to know.
  func notes(_ model: ResNetModel, ranksDirectory: String?) throws -> [String] {
    let lrd = try runner.plan(
      for: ModelSpec(
        model: model, variant: .lrd, ratio: plan.ratio, policy: plan.policy, batch: plan.batch,
        mode: .inference,
        threads: plan.threads))
    var notes = ModelTiming.notes(lrd)
    let paperLRDLayers: [ResNetModel: Int] = [.resnet50: 115, .resnet101: 233, .resnet152: 352]
    if let paper = paperLRDLayers[model], paper != lrd.layerCount {
      notes.append(
        "Vanilla LRD counts \(lrd.layerCount) layers here and \(paper) in the paper: 1 stem + 7 per bottleneck "
          + "(SVD 2 + Tucker-2 3 + SVD 2) + 2 for fc gives \(lrd.layerCount); the paper's ResNet-50 figure (115) "
          + "follows the same rule, its ResNet-101/152 figures are one lower.")
    }
    if plan.techniques.contains(.merged) {
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
