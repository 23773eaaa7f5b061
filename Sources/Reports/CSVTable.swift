/// A CSV table (RFC 4180: fields with commas, quotes or newlines are quoted, quotes doubled).
public struct CSVTable: Sendable, Equatable {
  public var header: [String]
  public var rows: [[String]] = []

  public init(header: [String]) { self.header = header }

  public mutating func append(_ row: [String]) {
    precondition(row.count == header.count, "CSV row has \(row.count) fields, header \(header.count)")
    rows.append(row)
  }

  public var text: String {
    ([header] + rows).map { $0.map(Self.escape).joined(separator: ",") }.joined(separator: "\n") + "\n"
  }

  static func escape(_ field: String) -> String {
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

/// A Markdown (GitHub) table with per-column alignment.
public struct MarkdownTable: Sendable, Equatable {
  public enum Alignment: Sendable { case left, right }
  public var header: [String]
  public var alignment: [Alignment]
  public var rows: [[String]] = []

  public init(header: [String], alignment: [Alignment]? = nil) {
    self.header = header
    self.alignment = alignment ?? header.map { _ in .left }
  }

  public mutating func append(_ row: [String]) {
    precondition(row.count == header.count, "table row has \(row.count) cells, header \(header.count)")
    rows.append(row)
  }

  public var text: String {
    func line(_ cells: [String]) -> String {
      "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
    }
    let rule = "|" + alignment.map { $0 == .right ? "---:|" : "---|" }.joined()
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n") + "\n"
  }
}

/// A plain-text table with padded columns (for terminals).
public struct TextTable: Sendable, Equatable {
  public var header: [String]
  public var rightAligned: Set<Int>
  public var rows: [[String]] = []

  public init(header: [String], rightAligned: Set<Int> = []) {
    self.header = header
    self.rightAligned = rightAligned
  }

  public mutating func append(_ row: [String]) { rows.append(row) }

  public var text: String {
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
