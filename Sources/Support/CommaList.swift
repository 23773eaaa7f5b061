/// Comma-separated option values ("1,2,4", "paper,robust", "perf::TASK-CLOCK, PAPI_TOT_INS"): the one parser
/// every option and suite field uses.
///
/// Items are trimmed; empty items are dropped.
package enum CommaList {
  /// The trimmed, non-empty items of `text`.
  package static func items(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingWhitespace }.filter { !$0.isEmpty }
  }

  /// The items as integers, or nil when any item is not an integer.
  package static func integers(_ text: String) -> [Int]? {
    let parsed = items(text).map { Int($0) }
    guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
    return parsed.map { $0! }
  }
}

extension Substring {
  /// The text without leading and trailing spaces and tabs.
  var trimmingWhitespace: String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}
