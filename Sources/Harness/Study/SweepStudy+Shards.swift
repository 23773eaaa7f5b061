import Networks

/// A sweep splits by thread config: each shard sweeps every rank under its configs (with their references,
/// refinements and confirmations, which depend on each other within a config), and the merged sweep has every
/// config of the plan once, in the plan's order.
extension SweepStudy: ShardedStudy {
  package static let shardUnit = "thread config"
  package static let resultFile = "sweep.json"

  package static func unitNames(of result: SweepResult) -> [String] { result.configs.map(\.config.label) }

  package static func combine(_ parts: [ShardPart<SweepResult>], whole: SweepPlan) throws -> SweepResult {
    let configs = try ShardMerge.unique(whole.threadConfigs.map(\.label), in: parts, unit: "thread config") {
      part, label in part.result.configs.first { $0.config.label == label }
    }
    var result = parts[0].result
    result.plan = whole
    result.configs = configs.map(\.item)
    result.decompositionSeconds = parts.reduce(0) { $0 + $1.result.decompositionSeconds }
    result.elapsedSeconds = parts.reduce(0) { $0 + $1.result.elapsedSeconds }
    return result
  }
}

extension SweepPlan: ShardedPlan {
  /// One unit per thread config, costing the layer's FLOPs per image × the points swept ÷ the threads.
  package func shardUnits() throws -> [ShardUnit] {
    let flops = Double((try? layerSpec())?.flopsPerImage ?? 1)
    let points = Double(ranks.count + 1 + (anchor == nil ? 0 : 1))
    return threadConfigs.map { ShardUnit(name: $0.label, cost: flops * points / Double(max($0.threads, 1))) }
  }
}

extension SweepResult: ShardedResult {}
