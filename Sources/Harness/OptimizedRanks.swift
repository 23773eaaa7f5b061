import Decomposition
import Foundation
import Networks
import ONNX
import Results
import Support

/// Why a directory's `ranks.json` could not be read.
package enum RanksFileProblem: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The directory does not exist.
  case noDirectory
  /// The directory holds no `ranks.json` (not a finished ranks run).
  case noFile
  /// `ranks.json` is not a ranks result of this schema; the decoder's message.
  case unreadable(String)

  package var description: String {
    switch self {
    case .noDirectory: "no such directory"
    case .noFile: "no ranks.json there: not a finished lrd-bench ranks run"
    case .unreadable(let why):
      "ranks.json is not a readable ranks result (\(RanksResult.schemaVersion)): \(why)"
    }
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}

extension RanksResult {
  /// The result saved in `<directory>/ranks.json`: the one reader of ranks files.
  package static func load(from directory: String) throws(RanksFileProblem) -> RanksResult {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue
    else { throw .noDirectory }
    let path = (directory as NSString).appendingPathComponent("ranks.json")
    guard let data = FileManager.default.contents(atPath: path) else { throw .noFile }
    do {
      return try JSONCoding.decoder.decode(RanksResult.self, from: data)
    } catch {
      throw .unreadable(JSONCoding.problem(error))
    }
  }
}

/// Per-layer ranks for optimized ranks: a ranks study's choices under one policy (a rank, or ORG to keep the
/// layer original).
package enum OptimizedRanks {
  /// Layer name → chosen factorization (`.original` for ORG) from `<directory>/ranks.json`.
  ///
  /// Errors name the problem: a missing directory, a directory that is not a finished ranks run, a
  /// corrupt file, ranks of another model (a catalog model, or with `onnx` a file of other contents), a policy
  /// the run did not evaluate.
  package static func load(
    _ directory: String, model: ResNetModel, onnx: ModelFile? = nil, policy: RankPolicy
  ) throws -> [String: Factorization] {
    let result: RanksResult
    do {
      result = try RanksResult.load(from: directory)
    } catch .noFile {
      if let kind = RunDirectory.kind(at: directory), kind != RanksStudy.kind {
        throw HarnessError.invalidRequest(
          "optimized:\(directory) holds a \(kind) run, not a ranks study; give the directory of a finished "
            + "lrd-bench ranks run")
      }
      throw HarnessError.invalidRequest(
        "optimized:\(directory) holds no ranks.json: not a finished lrd-bench ranks run"
          + (RunDirectory.kind(at: directory) == RanksStudy.kind
            ? " (resume that ranks run to finish it)" : ""))
    } catch {
      throw HarnessError.invalidRequest(
        "optimized:\(directory): \(error); give the directory of a finished lrd-bench ranks run")
    }
    if let onnx {
      guard result.onnx?.sha256 == onnx.sha256 else {
        throw HarnessError.invalidRequest(
          "optimized:\(directory) holds ranks of " + (result.onnx.map { "\($0)" } ?? result.model.description)
            + ", not of \(onnx); run a ranks study of this file")
      }
    } else if let other = result.onnx {
      throw HarnessError.invalidRequest(
        "optimized:\(directory) holds ranks of the ONNX model \(other), not of \(model); run a ranks study of \(model)"
      )
    }
    guard onnx != nil || result.model == model else {
      throw HarnessError.invalidRequest(
        "optimized:\(directory) holds ranks of \(result.model), not \(model); run a ranks study of \(model)"
      )
    }
    guard result.policies.contains(policy) else {
      throw HarnessError.invalidRequest(
        "optimized:\(directory) has no \(policy) choices (its policies: "
          + "\(result.policies.map(\.rawValue).joined(separator: ", "))); pick one of those policies")
    }
    return choices(result, policy: policy)
  }

  /// Layer name → the factorization `policy` chose in `result` (`.original` for ORG), for the catalog model's
  /// layers or, for a study of an ONNX file, that file's.
  package static func choices(_ result: RanksResult, policy: RankPolicy) -> [String: Factorization] {
    let catalog = ModelCatalog(result.model)
    let imported = result.onnx.flatMap { try? ImportedModel.cached($0) }
    var ranks: [String: Factorization] = [:]
    for row in result.rows {
      let spec =
        imported.map { try? $0.layer(named: row.layer).spec } ?? (try? catalog.layer(named: row.layer))
      guard let layer = spec, let choice = row.choices[policy.rawValue] else {
        continue
      }
      ranks[row.layer] = choice.map { RankSelection.factorization(for: layer, sweptRank: $0) } ?? .original
    }
    return ranks
  }
}
