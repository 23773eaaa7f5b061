import Foundation
import Harness
import Machine
import Networks
import Programs
import Support
import Yams

/// Reads a suite file: YAML with a top-level `suite`, optional `description` and `defaults`, and `points` (a
/// list).
///
/// Every key is checked (an unknown key, a wrong type, an unknown layer or model, an impossible factorization
/// or variant, a duplicate point name, bounds with lower > upper are errors naming the file, line, column and
/// key).
package enum SuiteParser {
  static let topKeys = ["suite", "description", "defaults", "points"]
  static let settingKeys = [
    "model", "batch", "mode", "threads", "bind", "budget", "ci", "ratio", "policy", "frozen",
  ]
  static let pointKeys =
    ["name", "layer", "factorization", "rank", "variant", "references", "description"] + settingKeys
  static let referenceKeys = ["expected", "lower", "upper", "unit"]

  /// Parses the suite at `path`.
  package static func load(_ path: String) throws(SuiteError) -> Suite {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SuiteError(
        file: path, message: "cannot read the suite file (does it exist? suites are in suites/*.yaml)")
    }
    return try parse(String(decoding: data, as: UTF8.self), file: path)
  }

  /// Parses suite text; `file` names it in errors.
  package static func parse(_ text: String, file: String) throws(SuiteError) -> Suite {
    let root: Node
    do {
      guard let node = try Yams.compose(yaml: text) else {
        throw SuiteError(file: file, message: "the file is empty; a suite needs `suite:` and `points:`")
      }
      root = node
    } catch let error as SuiteError {
      throw error
    } catch let error as YamlError {
      throw SuiteError(file: file, message: "not valid YAML: \(error)")
    } catch {
      throw SuiteError(file: file, message: "not valid YAML: \(error)")
    }
    let reader = Reader(file: file)
    let top = try reader.mapping(root, what: "the suite", allowed: topKeys)
    guard let nameNode = top["suite"] else {
      throw reader.error(root, key: "suite", "missing: name the suite (e.g. suite: nightly)")
    }
    let name = try reader.string(nameNode, key: "suite")
    let description =
      try top["description"].map { (node) throws(SuiteError) in
        try reader.string(node, key: "description")
      } ?? ""
    var defaults = Settings.builtIn
    if let node = top["defaults"] {
      defaults = try reader.settings(
        try reader.mapping(node, what: "defaults", allowed: settingKeys), over: defaults)
    }
    guard let pointsNode = top["points"] else {
      throw reader.error(root, key: "points", "missing: list the points to measure")
    }
    guard case .sequence(let sequence) = pointsNode, !sequence.isEmpty else {
      throw reader.error(pointsNode, key: "points", "must be a non-empty list of points")
    }
    var points: [SuitePoint] = []
    var names: [String: Int] = [:]
    for node in sequence {
      let point = try reader.point(node, defaults: defaults)
      if let line = names[point.name] {
        throw reader.error(node, key: "name", "duplicate point name '\(point.name)' (first at line \(line))")
      }
      names[point.name] = (node.mark?.line ?? 0)
      points.append(point)
    }
    return Suite(name: name, description: description, digest: FNV1a.hex(text), points: points)
  }
}

/// Sampling and workload settings, inherited from `defaults` and overridden per point.
struct Settings {
  var model: ResNetModel
  var batch: Int
  var mode: Mode
  var threads: ThreadCounts
  var bind: BindingPolicy
  var budget: Double
  var ci: Double
  var ratio: Double
  var policy: RankPolicy
  var frozen: FrozenFactors

  static let builtIn = Settings(
    model: .resnet50, batch: 8, mode: .inference, threads: ThreadCounts(counts: [0]), bind: .compact,
    budget: 0.5,
    ci: 0.01, ratio: 2, policy: .robust, frozen: .none)
}
