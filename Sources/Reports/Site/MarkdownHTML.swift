import Foundation

/// The Markdown lrd-bench's reports write, as HTML.
///
/// Headings, pipe tables (with their column alignment), bullet lists, paragraphs, and inline code, bold and
/// links; everything else is text, escaped.
package enum MarkdownHTML {
  /// `markdown` as an HTML fragment; tables get the `sortable` class; headings `levels` deeper (a report inside
  /// a page under the page's own title).
  package static func render(_ markdown: String, headingsBelow levels: Int = 0) -> String {
    var html: [String] = []
    var paragraph: [String] = []
    var list: [String] = []
    var table: [String] = []
    func flush() {
      if !paragraph.isEmpty { html.append("<p>" + paragraph.map(inline).joined(separator: "\n") + "</p>") }
      if !list.isEmpty {
        html.append("<ul>\n" + list.map { "<li>\(inline($0))</li>" }.joined(separator: "\n") + "\n</ul>")
      }
      if !table.isEmpty { html.append(renderTable(table)) }
      paragraph = []
      list = []
      table = []
    }
    for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = String(raw)
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty {
        flush()
      } else if trimmed.hasPrefix("|") {
        if table.isEmpty { flush() }
        table.append(trimmed)
      } else if let level = heading(trimmed) {
        flush()
        let text = trimmed.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
        let shifted = min(level + levels, 6)
        html.append("<h\(shifted)>\(inline(text))</h\(shifted)>")
      } else if trimmed.hasPrefix("- ") || trimmed.hasPrefix("* ") {
        if list.isEmpty { flush() }
        list.append(String(trimmed.dropFirst(2)))
      } else if !list.isEmpty && line.hasPrefix("  ") {
        list[list.count - 1] += " " + trimmed
      } else {
        if !list.isEmpty || !table.isEmpty { flush() }
        paragraph.append(trimmed)
      }
    }
    flush()
    return html.joined(separator: "\n") + "\n"
  }

  /// The level of a `#`…`####` heading line, nil for other lines.
  static func heading(_ line: String) -> Int? {
    let hashes = line.prefix { $0 == "#" }.count
    guard (1...4).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
    return hashes
  }

  /// A pipe table: header, alignment row (`---:` right), body.
  static func renderTable(_ rows: [String]) -> String {
    func cells(_ row: String) -> [String] {
      var text = row
      if text.hasPrefix("|") { text.removeFirst() }
      if text.hasSuffix("|") { text.removeLast() }
      return text.split(separator: "|", omittingEmptySubsequences: false).map {
        $0.trimmingCharacters(in: .whitespaces)
      }
    }
    guard rows.count >= 2, cells(rows[1]).allSatisfy({ $0.allSatisfy { "-:".contains($0) } && !$0.isEmpty })
    else {
      return "<p>" + rows.map(inline).joined(separator: "<br>\n") + "</p>"
    }
    let right = cells(rows[1]).map { $0.hasSuffix(":") && !$0.hasPrefix(":") }
    var html = ["<table class=\"sortable\">", "<thead><tr>"]
    html += cells(rows[0]).map { "<th scope=\"col\">\(inline($0))</th>" }
    html += ["</tr></thead>", "<tbody>"]
    for row in rows.dropFirst(2) {
      let values = cells(row)
      html.append(
        "<tr>"
          + values.enumerated().map { index, value in
            let numeric = index < right.count && right[index]
            return "<td\(numeric ? " class=\"num\"" : "")>\(inline(value))</td>"
          }.joined() + "</tr>")
    }
    html += ["</tbody>", "</table>"]
    return html.joined(separator: "\n")
  }

  /// A link target a page may follow: relative, or http(s) (never `javascript:` or another scheme).
  static func isSafeLink(_ target: String) -> Bool {
    guard let colon = target.firstIndex(of: ":") else { return true }
    let scheme = target[..<colon].lowercased()
    return (scheme == "http" || scheme == "https") || target[..<colon].contains("/")
  }

  /// Inline Markdown of one line: `code`, **bold**, [text](link); the rest escaped.
  static func inline(_ text: String) -> String {
    var html = ""
    var rest = Substring(text)
    while let first = rest.firstIndex(where: { "`*[".contains($0) }) {
      html += HTML.escape(String(rest[..<first]))
      rest = rest[first...]
      if rest.hasPrefix("`"), let end = rest.dropFirst().firstIndex(of: "`") {
        html += "<code>" + HTML.escape(String(rest[rest.index(after: rest.startIndex)..<end])) + "</code>"
        rest = rest[rest.index(after: end)...]
      } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
        html +=
          "<strong>" + inline(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound]))
          + "</strong>"
        rest = rest[end.upperBound...]
      } else if rest.hasPrefix("["), let close = rest.firstIndex(of: "]"),
        rest[rest.index(after: close)...].hasPrefix("("),
        let end = rest[close...].firstIndex(of: ")"),
        isSafeLink(String(rest[rest.index(close, offsetBy: 2)..<end]))
      {
        let label = String(rest[rest.index(after: rest.startIndex)..<close])
        let target = String(rest[rest.index(close, offsetBy: 2)..<end])
        html += "<a href=\"\(HTML.escape(target))\">\(inline(label))</a>"
        rest = rest[rest.index(after: end)...]
      } else {
        html += HTML.escape(String(rest.prefix(1)))
        rest = rest.dropFirst()
      }
    }
    return html + HTML.escape(String(rest))
  }
}
