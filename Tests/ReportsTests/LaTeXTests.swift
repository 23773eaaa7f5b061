import Foundation
import Harness
import Results
import Testing

@testable import Reports

/// pdflatex on the PATH, nil when TeX is not installed.
let pdflatex: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
  .map { "\($0)/pdflatex" }.first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite("LaTeX tables")
struct LaTeXTests {
  /// A table run measured by lrd-bench (ResNet-50, batch 1, vanilla, frozen, merged, branched 1–2 and the best
  /// combination; its measurements' samples stripped) and a ranks run (two layers, every policy, 3 passes).
  func table() throws -> TableResult {
    try JSONCoding.decoder.decode(TableResult.self, from: try Golden.fixture("table.json"))
  }

  func ranks() throws -> RanksResult {
    try JSONCoding.decoder.decode(RanksResult.self, from: try Golden.fixture("ranks.json"))
  }

  func documents() throws -> [(name: String, text: String, columns: Int)] {
    let ranks = try ranks()
    return [
      ("table1.tex", LaTeXTables.table1(try table()), 6), ("table3.tex", LaTeXTables.table3(try table()), 7),
      ("table2.tex", LaTeXTables.table2(ranks), 4 + ranks.policies.count),
    ]
  }

  @Test func tablesMatchTheirGoldenFilesAndAreWellFormed() throws {
    for (name, text, columns) in try documents() {
      try Golden.check(text, against: name)
      #expect(
        text.contains("\\toprule") && text.contains("\\midrule") && text.contains("\\bottomrule"), "\(name)")
      #expect(
        text.components(separatedBy: "\\begin{tabular}").count == 2
          && text.components(separatedBy: "\\end{tabular}").count == 2)
      // Every row of the tabular has exactly one cell per column.
      let body = text.components(separatedBy: "\\midrule\n")[1].components(separatedBy: "\\bottomrule")[0]
      for line in body.split(separator: "\n") where line.hasSuffix("\\\\") {
        let cells = line.replacingOccurrences(of: "\\&", with: "").split(
          separator: "&", omittingEmptySubsequences: false)
        #expect(cells.count == columns, "\(name): \(line)")
      }
    }
  }

  @Test func specialCharactersAreEscaped() {
    #expect(LaTeXTables.escape("a_b & 50% #1 {x} ~") == "a\\_b \\& 50\\% \\#1 \\{x\\} \\textasciitilde{}")
    #expect(LaTeXTables.escape("2 threads × α") == "2 threads $\\times$ $\\alpha$")
  }

  @Test(.enabled(if: pdflatex != nil, "pdflatex is not installed (Debian texlive-latex-base)"))
  func tablesCompileWithPdflatex() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "lrd-latex-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, text, _) in try documents() {
      try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
      let document =
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{\(name)}\n\\end{document}\n"
      try document.write(to: directory.appendingPathComponent("main.tex"), atomically: true, encoding: .utf8)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: pdflatex!)
      process.arguments = ["-interaction=nonstopmode", "-halt-on-error", "main.tex"]
      process.currentDirectoryURL = directory
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "\(name) does not compile")
    }
  }
}
