/// A CSV table (RFC 4180: fields with commas, quotes or newlines are quoted, quotes doubled).
package struct CSVTable: Sendable, Equatable {
  package var header: [String]
  /// Rows of cells, unquoted (quoting happens in `text`).
  package var rows: [[String]] = []

  /// An empty table with `header`.
  package init(header: [String]) { self.header = header }

  /// Appends a row; it must have one cell per column.
  package mutating func append(_ row: [String]) {
    precondition(row.count == header.count, "CSV row has \(row.count) fields, header \(header.count)")
    rows.append(row)
  }

  /// RFC 4180 text: cells with commas, quotes or newlines quoted, one line per row.
  package var text: String {
    ([header] + rows).map { $0.map(Self.escape).joined(separator: ",") }.joined(separator: "\n") + "\n"
  }

  static func escape(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

/// A Markdown (GitHub) table with per-column alignment.
package struct MarkdownTable: Sendable, Equatable {
  /// How a column's cells are aligned.
  package enum Alignment: Sendable { case left, right }
  package var header: [String]
  package var alignment: [Alignment]
  package var rows: [[String]] = []

  /// An empty table; columns are left-aligned unless `alignment` says otherwise.
  package init(header: [String], alignment: [Alignment]? = nil) {
    self.header = header
    self.alignment = alignment ?? header.map { _ in .left }
  }

  /// Appends a row; it must have one cell per column.
  package mutating func append(_ row: [String]) {
    precondition(row.count == header.count, "table row has \(row.count) cells, header \(header.count)")
    rows.append(row)
  }

  /// GitHub-flavoured Markdown text, `|` in cells escaped.
  package var text: String {
    func line(_ cells: [String]) -> String {
      "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }
    let rule = "|" + alignment.map { $0 == .right ? "---:|" : "---|" }.joined()
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
  }
}

/// A plain-text table with padded columns (for terminals).
package struct TextTable: Sendable, Equatable {
  package var header: [String]
  /// Indices of the right-aligned columns.
  package var rightAligned: Set<Int>
  package var rows: [[String]] = []

  /// An empty table; columns are left-aligned unless listed in `rightAligned`.
  package init(header: [String], rightAligned: Set<Int> = []) {
    self.header = header
    self.rightAligned = rightAligned
  }

  package mutating func append(_ row: [String]) { rows.append(row) }

  /// Plain text with columns padded to their widest cell.
  package var text: String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        let pad = String(repeating: " ", count: widths[index] - cell.count)
        return rightAligned.contains(index) ? pad + cell : cell + pad
      }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
  }
}
