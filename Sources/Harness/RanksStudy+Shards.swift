/// A ranks study splits by distinct layer shape: each shard sweeps its shapes, and the merged table has
/// every layer of the study once, in catalog order.
extension RanksStudy: ShardedStudy {
  package static let shardUnit = "distinct layer shape"
  package static let resultFile = "ranks.json"

  package static func unitNames(of result: RanksResult) -> [String] { result.rows.map(\.layer) }

  package static func combine(_ parts: [ShardPart<RanksResult>], whole: RanksPlan) throws -> RanksResult {
    let rows = try ShardMerge.unique(try whole.layers().map(\.name), in: parts, unit: "layer") { part, name in
      part.result.rows.first { $0.layer == name }
    }
    var result = parts[0].result
    result.rows = rows.map(\.item)
    result.sweeps = parts.reduce(0) { $0 + $1.result.sweeps }
    result.points = parts.reduce(0) { $0 + $1.result.points }
    result.elapsedSeconds = parts.reduce(0) { $0 + $1.result.elapsedSeconds }
    result.sweepRuns = []
    return result
  }
}

extension RanksPlan: ShardedPlan {}
extension RanksResult: ShardedResult {}
