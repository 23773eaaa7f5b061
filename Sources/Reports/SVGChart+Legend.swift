/// Where a chart's legend entries go: two columns when every entry fits half the width, one otherwise,
/// and an entry too long for the whole width wrapped at spaces onto further lines — so entries never
/// overlap, whatever their labels.
struct LegendLayout: Equatable {
  /// One entry: its text lines and the top-left of its symbol row.
  struct Entry: Equatable {
    var lines: [String]
    var x: Double
    var y: Double
  }

  /// Estimated width of one character at the chart's 12 px font (generous for Helvetica and Arial,
  /// whose widest common glyphs are about 7 px wide).
  static let characterWidth = 7.0
  /// Space before an entry's text: its symbol and a gap.
  static let symbolWidth = 28.0
  /// Height of one text line.
  static let lineHeight = 16.0
  /// Space between two rows of entries.
  static let rowGap = 4.0

  var entries: [Entry]
  /// The legend's total height.
  var height: Double

  /// Lays out `texts` from `(left, top)` within `width`.
  init(_ texts: [String], left: Double, top: Double, width: Double) {
    let widest = texts.map { Self.symbolWidth + Double($0.count) * Self.characterWidth }.max() ?? 0
    let columns = widest <= width / 2 - 12 ? 2 : 1
    let columnWidth = width / Double(columns)
    let charactersPerLine = max(Int((columnWidth - Self.symbolWidth - 12) / Self.characterWidth), 8)
    let wrapped = texts.map { Self.wrap($0, limit: charactersPerLine) }
    var entries: [Entry] = []
    var y = top
    for row in stride(from: 0, to: wrapped.count, by: columns) {
      let members = wrapped[row..<min(row + columns, wrapped.count)]
      for (offset, lines) in members.enumerated() {
        entries.append(Entry(lines: lines, x: left + Double(offset) * columnWidth, y: y))
      }
      y += Double(members.map(\.count).max() ?? 1) * Self.lineHeight + Self.rowGap
    }
    self.entries = entries
    height = y - top
  }

  /// `text` in lines of at most `limit` characters, broken at spaces (a longer word is cut).
  static func wrap(_ text: String, limit: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
      var word = word
      while word.count > limit {
        if !current.isEmpty {
          lines.append(current)
          current = ""
        }
        lines.append(String(word.prefix(limit)))
        word = String(word.dropFirst(limit))
      }
      if current.isEmpty {
        current = word
      } else if current.count + 1 + word.count <= limit {
        current += " " + word
      } else {
        lines.append(current)
        current = word
      }
    }
    if !current.isEmpty || lines.isEmpty { lines.append(current) }
    return lines
  }
}
