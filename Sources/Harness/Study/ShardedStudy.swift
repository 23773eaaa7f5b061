import Machine
import Support

/// One unit of a study's work list, as sharding sees it: a name for reports and errors, and an estimated
/// cost that balances the shards.
package struct ShardUnit: Sendable, Equatable {
  /// The unit's name: a layer, a thread config label, a branch count, a model.
  package var name: String
  /// Estimated cost, in arbitrary units comparable within one study (FLOPs × points measured).
  package var cost: Double

  package init(name: String, cost: Double) {
    self.name = name
    self.cost = cost
  }
}

/// A plan that can be split into shards: its full work list in a fixed order, each unit with its cost.
package protocol ShardedPlan: Codable, Equatable, Sendable {
  /// The shard this run measures; nil for the whole study.
  var shard: Shard? { get set }
  /// Every unit of the whole study, in the study's fixed order (the same plan always gives the same list).
  func shardUnits() throws -> [ShardUnit]
}

extension ShardedPlan {
  /// The positions (in `shardUnits()`) of the units this run measures: all of them, or its shard's.
  package func measuredUnitIndices() throws -> [Int] {
    let units = try shardUnits()
    guard let shard else { return Array(units.indices) }
    return shard.items(costs: units.map(\.cost))
  }

  /// Refuses a shard that holds no unit (more shards than units), naming the largest useful count.
  ///
  /// `unit` names one unit in words ("distinct layer shape").
  package func checkShard(unit: String) throws {
    guard let shard, try measuredUnitIndices().isEmpty else { return }
    let count = try shardUnits().count
    throw HarnessError.invalidRequest(
      "shard \(shard) holds no \(unit): the study has \(count) \(unit)\(count == 1 ? "" : "s"), "
        + "so it splits into at most \(count) shard\(count == 1 ? "" : "s")")
  }
}

/// A result that knows which shard it holds, or which shards it was merged from.
package protocol ShardedResult: StudyResult, Codable {
  /// The shard this result holds; nil for a whole study, merged or not.
  var shard: Shard? { get set }
  /// For a merged result: each shard's directory and what it measured, in shard order.
  var mergedFrom: [MergedShard]? { get set }
  /// The machine the result was measured on.
  var fingerprint: MachineFingerprint { get }
}

/// A study whose work list splits into shards (`--shard i/n`) that `ShardMerge` joins into one result,
/// identical in form to the unsharded study's.
package protocol ShardedStudy: Study where Plan: ShardedPlan, Result: ShardedResult {
  /// One unit of the study's work list in words, singular ("distinct layer shape").
  static var shardUnit: String { get }
  /// The result file in a finished run directory ("ranks.json").
  static var resultFile: String { get }
  /// The names of the units `result` holds, in the study's order (what the merged report lists per shard).
  static func unitNames(of result: Result) -> [String]
  /// The whole study's result from its shards' (every shard once, in shard order, already checked to be of
  /// `whole`'s plan); throws when a unit is missing or found twice.
  static func combine(_ parts: [ShardPart<Result>], whole: Plan) throws -> Result
}

/// One shard read back: its directory, plan and result.
package struct ShardPart<Result: Sendable>: Sendable {
  package var directory: String
  package var shard: Shard
  package var result: Result

  package init(directory: String, shard: Shard, result: Result) {
    self.directory = directory
    self.shard = shard
    self.result = result
  }
}

/// Where a merged study's units came from: one shard's directory, what it measured, and on which machine.
package struct MergedShard: Codable, Sendable, Equatable {
  /// The shard, i of n.
  package var shard: Shard
  /// The shard's run directory as given to merge.
  package var directory: String
  /// The units it measured (layers, thread configs, branch counts, models), in the study's order.
  package var units: [String]
  /// The machine it ran on: CPU model, cores and host name.
  package var machine: String

  package init(shard: Shard, directory: String, units: [String], machine: String) {
    self.shard = shard
    self.directory = directory
    self.units = units
    self.machine = machine
  }
}
