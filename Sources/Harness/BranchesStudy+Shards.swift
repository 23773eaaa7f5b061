import Decomposition
import Networks

/// A branches study splits by branch count (each is one paired measurement); the merged study has every count
/// of the plan once, in the plan's order.
extension BranchesStudy: ShardedStudy {
  package static let shardUnit = "branch count"
  package static let resultFile = "branches.json"

  package static func unitNames(of result: BranchesResult) -> [String] {
    result.points.map { "\($0.branches)" }
  }

  package static func combine(_ parts: [ShardPart<BranchesResult>], whole: BranchesPlan) throws
    -> BranchesResult
  {
    let points = try ShardMerge.unique(whole.branches.map { "\($0)" }, in: parts, unit: "branch count") {
      part, name in part.result.points.first { "\($0.branches)" == name }
    }
    var result = parts[0].result
    result.plan = whole
    result.points = points.map(\.item)
    return result
  }
}

extension BranchesPlan: ShardedPlan {
  /// One unit per branch count, costing its branched factorization's FLOPs per image.
  package func shardUnits() throws -> [ShardUnit] {
    let layer = try layerSpec()
    return try factorizations().map {
      ShardUnit(
        name: "\($0.branches)", cost: Double(FactorizationCost(layer, $0.factorization).flopsPerImage))
    }
  }
}

extension BranchesResult: ShardedResult {}
