import Decomposition
import Foundation
import Networks
import Results

/// Per-layer ranks for `optimized:DIR`: a finished `lrd-bench ranks` directory's choices under one
/// policy (a rank, or ORG to keep the layer original).
package enum OptimizedRanks {
  /// Layer name → chosen factorization (`.original` for ORG), read from `<directory>/ranks.json`.
  ///
  /// Errors name the problem: a missing directory, a directory that is not a finished ranks run, a
  /// corrupt file, ranks of another model, a policy the run did not evaluate.
  package static func load(_ directory: String, model: ResNetModel, policy: RankPolicy) throws -> [String:
    Factorization]
  {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      throw HarnessError.invalidOption(
        "optimized:\(directory): no such directory; give the --out of a finished lrd-bench ranks run")
    }
    let path = (directory as NSString).appendingPathComponent("ranks.json")
    guard let data = FileManager.default.contents(atPath: path) else {
      throw HarnessError.invalidOption(
        "optimized:\(directory) holds no ranks.json: not a finished lrd-bench ranks run "
          + "(finish it with lrd-bench ranks --resume \(directory))")
    }
    let result: RanksResult
    do {
      result = try JSONCoding.decoder.decode(RanksResult.self, from: data)
    } catch {
      throw HarnessError.invalidOption(
        "optimized:\(directory)/ranks.json is not a readable ranks result (\(RanksResult.schemaVersion)): \(error)"
      )
    }
    guard result.model == model else {
      throw HarnessError.invalidOption(
        "optimized:\(directory) holds ranks of \(result.model), not \(model); run lrd-bench ranks --model \(model)"
      )
    }
    guard result.policies.contains(policy) else {
      throw HarnessError.invalidOption(
        "optimized:\(directory) has no \(policy) choices (its policies: "
          + "\(result.policies.map(\.rawValue).joined(separator: ", "))); pick one with --policy")
    }
    let catalog = ModelCatalog(model)
    var ranks: [String: Factorization] = [:]
    for row in result.rows {
      guard let layer = try? catalog.layer(named: row.layer), let choice = row.choices[policy.rawValue] else {
        continue
      }
      ranks[row.layer] = choice.map { RankSelection.factorization(for: layer, sweptRank: $0) } ?? .original
    }
    return ranks
  }
}
