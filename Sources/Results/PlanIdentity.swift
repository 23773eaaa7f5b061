import Foundation
import Support

/// The identity of a plan (what a run measures): a digest of its canonical JSON, stored in the run's
/// manifest and on every journal line, and a field-by-field comparison for error messages.
package enum PlanIdentity {
  /// FNV-1a (64 bit) of the plan's canonical JSON (sorted keys), as 16 hex digits.
  package static func digest<Plan: Encodable>(_ plan: Plan) throws -> String {
    let data = try JSONCoding.compactEncoder.encode(plan)
    return FNV1a.hex(String(decoding: data, as: UTF8.self))
  }

  /// The fields in which `new` differs from `saved`, as "path: saved → new" (nested keys joined by dots,
  /// values in compact JSON).
  ///
  /// Empty when they encode identically.
  package static func differences<Plan: Encodable>(saved: Plan, new: Plan) -> [String] {
    guard let a = try? object(saved), let b = try? object(new) else { return ["(plan unreadable)"] }
    var result: [String] = []
    compare(a, b, path: "", into: &result)
    return result
  }

  static func object<Plan: Encodable>(_ plan: Plan) throws -> Any {
    try JSONSerialization.jsonObject(
      with: try JSONCoding.compactEncoder.encode(plan), options: [.fragmentsAllowed])
  }

  static func compare(_ a: Any?, _ b: Any?, path: String, into result: inout [String]) {
    // An enum case is an object with one key (its name): another case is one change, named by the cases.
    if let x = a as? [String: Any], let y = b as? [String: Any], x.count == 1, y.count == 1,
      x.keys.first != y.keys.first, x.values.first is [String: Any], y.values.first is [String: Any]
    {
      result.append("\(path.isEmpty ? "plan" : path): \(render(a)) → \(render(b))")
      return
    }
    if let x = a as? [String: Any], let y = b as? [String: Any] {
      for key in Set(x.keys).union(y.keys).sorted() {
        compare(x[key], y[key], path: path.isEmpty ? key : "\(path).\(key)", into: &result)
      }
      return
    }
    let left = render(a)
    let right = render(b)
    if left != right { result.append("\(path.isEmpty ? "plan" : path): \(left) → \(right)") }
  }

  static func render(_ value: Any?) -> String {
    guard let value, !(value is NSNull) else { return "none" }
    if let text = value as? String { return text }
    // An enum case without values ({"paper": {}}) reads as its name; with values as name(values).
    if let object = value as? [String: Any], object.count == 1, let (name, inner) = object.first,
      let fields = inner as? [String: Any]
    {
      if fields.isEmpty { return name }
      if fields.count == 1, let only = fields.first, only.key == "_0" {
        return "\(name)(\(render(only.value)))"
      }
      return "\(name)(\(render(inner)))"
    }
    if let data = try? JSONSerialization.data(
      withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
    {
      return String(decoding: data, as: UTF8.self)
    }
    return "\(value)"
  }
}
