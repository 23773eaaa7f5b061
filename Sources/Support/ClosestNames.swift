/// Suggestions for a mistyped name: the candidates nearest by edit distance (prefix matches first).
package enum ClosestNames {
  /// Up to `limit` of `candidates` nearest to `name` (case-insensitive).
  package static func to(_ name: String, in candidates: [String], limit: Int = 5) -> [String] {
    let key = name.lowercased()
    let scored = candidates.map { candidate -> (String, Int) in
      let lowered = candidate.lowercased()
      var distance = editDistance(key, lowered)
      if lowered.hasPrefix(key) || key.hasPrefix(lowered) { distance -= 100 }
      return (candidate, distance)
    }
    return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
  }

  /// Levenshtein distance (O(|a|·|b|); inputs longer than 200 characters are cut, so a pasted essay
  /// cannot make a suggestion slow).
  package static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars.prefix(200))
    let b = Array(b.unicodeScalars.prefix(200))
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }

  /// `text` cut to `limit` characters with "…" (for echoing user input in messages).
  package static func truncated(_ text: String, limit: Int = 40) -> String {
    text.count <= limit ? text : String(text.prefix(limit)) + "…"
  }
}
