import Networks

/// A table splits by model: a model's rows, Figure 5 points and quick ranks study depend on each other (the
/// branch count and the best combination are chosen from its own measurements), so each model is measured
/// whole by one shard; the merged table has every model of the plan once, in the plan's order.
extension TableStudy: ShardedStudy {
  package static let shardUnit = "model"
  package static let resultFile = "table.json"

  package static func unitNames(of result: TableResult) -> [String] { result.models.map(\.model.rawValue) }

  package static func combine(_ parts: [ShardPart<TableResult>], whole: TablePlan) throws -> TableResult {
    let models = try ShardMerge.unique(whole.models.map(\.rawValue), in: parts, unit: "model") { part, name in
      part.result.models.first { $0.model.rawValue == name }
    }
    var result = parts[0].result
    result.plan = whole
    result.models = models.map(\.item)
    result.measurements = parts.flatMap(\.result.measurements)
    result.peak = parts.flatMap(\.result.peak)
    result.elapsedSeconds = parts.reduce(0) { $0 + $1.result.elapsedSeconds }
    result.resumedMeasurements = parts.reduce(0) { $0 + ($1.result.resumedMeasurements ?? 0) }
    result.ranksRuns = []
    return result
  }
}

extension TablePlan: ShardedPlan {
  /// One unit per model, costing its FLOPs per image.
  package func shardUnits() throws -> [ShardUnit] {
    models.map { ShardUnit(name: $0.rawValue, cost: Double(ModelCatalog($0).flopsPerImage)) }
  }

  /// The models this run measures: all, or its shard's.
  package var measuredModels: [ResNetModel] {
    ((try? measuredUnitIndices()) ?? Array(models.indices)).map { models[$0] }
  }
}

extension TableResult: ShardedResult {}
