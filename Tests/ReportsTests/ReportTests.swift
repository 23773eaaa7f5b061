import Foundation
import Harness
import Machine
import Results
import Tensors
import Testing

@testable import Reports

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Fixtures and golden files live next to this file.
///
/// Set LRD_UPDATE_GOLDEN=1 to rewrite the goldens after an intended change of a report's format: every
/// rewritten golden is reported as a failure (a golden is never compared with itself); review the diff and run
/// the tests again without it.
enum Golden {
  static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

  static func fixture(_ name: String) throws -> Data {
    try Data(contentsOf: directory.appendingPathComponent("Fixtures/\(name)"))
  }

  static func check(_ text: String, against name: String) throws {
    let url = directory.appendingPathComponent("Golden/\(name)")
    if ProcessInfo.processInfo.environment["LRD_UPDATE_GOLDEN"] != nil {
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      let old = try? String(contentsOf: url, encoding: .utf8)
      guard old != text else { return }
      try text.write(to: url, atomically: true, encoding: .utf8)
      Issue.record("rewrote \(name): review the diff, then run the tests without LRD_UPDATE_GOLDEN")
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(text == expected, "\(name) differs from its golden file (LRD_UPDATE_GOLDEN=1 rewrites it)")
  }
}

@Suite("Report writers")
struct ReportTests {
  /// A sweep measured by lrd-bench (layer1.0.conv1, batch 1, ranks 4 → 2, two thread configs).
  func sweep() throws -> SweepResult {
    try JSONCoding.decoder.decode(SweepResult.self, from: try Golden.fixture("sweep.json"))
  }

  @Test func sweepCSVMatchesGolden() throws {
    let csv = SweepReport.csv(try sweep())
    try Golden.check(csv, against: "sweep.csv")
    let lines = csv.split(separator: "\n")
    let result = try sweep()
    #expect(
      lines.count == 1
        + result.configs.reduce(0) { $0 + $1.references.count + $1.ranks.count + ($1.anchor == nil ? 0 : 1) })
    #expect(lines[0].hasPrefix("kind,rank,sequence,layer,factorization"))
  }

  @Test("with output errors recorded, the sweep plot gains an error panel under the throughput panel")
  func sweepErrorPanel() throws {
    var result = try sweep()
    #expect(!SweepReport.svg(result).contains("reconstruction error vs rank"), "no panel without errors")
    for index in result.configs.indices {
      for point in result.configs[index].ranks.indices {
        result.configs[index].ranks[point].outputError = 0.1 * Double(point + 1)
      }
    }
    let svg = SweepReport.svg(result)
    #expect(svg.contains("reconstruction error vs rank") && svg.contains("throughput vs rank"))
    #expect(svg.components(separatedBy: "<svg ").count == 4, "one outer and two panels")
    #expect(XMLParser(data: Data(svg.utf8)).parse() && !svg.lowercased().contains("nan"))
  }

  @Test func sweepMarkdownMatchesGolden() throws {
    let markdown = SweepReport.markdown(try sweep())
    try Golden.check(markdown, against: "sweep.md")
    #expect(markdown.contains("| policy | decision |"))
  }

  @Test func sweepSVGMatchesGoldenAndIsWellFormed() throws {
    let svg = SweepReport.svg(try sweep())
    try Golden.check(svg, against: "sweep.svg")
    let parser = XMLParser(data: Data(svg.utf8))
    #expect(parser.parse(), "SVG is not well-formed XML")
    #expect(svg.contains("throughput (images/s, from t/T × T_run, 95% CI)") && svg.contains("rank r"))
  }

  @Test func sweepJSONRoundTripsWithSchema() throws {
    let result = try sweep()
    let data = try SweepReport.json(result)
    let decoded = try JSONCoding.decoder.decode(SweepResult.self, from: data)
    #expect(decoded == result)
    #expect(decoded.schema == SweepResult.schemaVersion)
    #expect(!decoded.configs[0].references[0].measurement.samples.isEmpty)
  }

  @Test func aRunInterruptedBeforeAnyPointReportsNothingMisleading() throws {
    var result = try sweep()
    result.interrupted = true
    for index in result.configs.indices {
      result.configs[index].references = []
      result.configs[index].ranks = []
      result.configs[index].anchor = nil
      result.configs[index].timings = []
      result.configs[index].anchorTiming = nil
      result.configs[index].decisions = []
    }
    let markdown = SweepReport.markdown(result)
    #expect(markdown.contains("not measured yet") && markdown.contains("**Interrupted**"))
    #expect(!markdown.contains("median of 0") && !markdown.contains("nan"))
    let svg = SweepReport.svg(result)
    #expect(!svg.lowercased().contains("nan") && XMLParser(data: Data(svg.utf8)).parse())
  }

  @Test func aSingleRankPlotHasIntegralTicksAndErrorBars() throws {
    var result = try sweep()
    for index in result.configs.indices {
      result.configs[index].timings = Array(result.configs[index].timings.prefix(1))
    }
    let svg = SweepReport.svg(result)
    let labels = svg.components(separatedBy: "text-anchor=\"middle\">").dropFirst().compactMap {
      Double($0.prefix { $0 != "<" })
    }
    #expect(!labels.isEmpty && labels.allSatisfy { $0 == $0.rounded() }, "\(labels)")
    #expect(svg.contains("stroke-opacity=\"0.45\""), "CI error bars")
    #expect(svg.contains("fill-opacity=\"0.12\""), "the original's drift band")
  }

  @Test func reasonsSayWhatHappened() throws {
    let timing = RankTiming(
      rank: 100, flops: 1, referenceFlops: 2, median: 1, lower: 1, upper: 1, referenceMedian: 2, ratio: 0.5,
      ratioLower: 0.49, ratioUpper: 0.51)
    let slower = DecisionText.reason(
      RankChoice(rank: 100, timing: timing, reason: .largestDrop(delta: -0.014, anchorUsed: false)), step: 1)
    #expect(slower.contains("no step down made the layer faster") && !slower.contains("largest drop"))
    let drop = DecisionText.reason(
      RankChoice(rank: 100, timing: timing, reason: .largestDrop(delta: 0.02, anchorUsed: true)), step: 1)
    #expect(drop.contains("largest drop Δ = 2.0% of T") && drop.contains("anchor"))
  }

  @Test func csvEscapesFields() {
    var table = CSVTable(header: ["a", "b"])
    table.append(["x,y", "say \"hi\""])
    #expect(table.text == "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n")
  }

  @Test func markdownEscapesPipes() {
    var table = MarkdownTable(header: ["a", "b"], alignment: [.left, .right])
    table.append(["x|y", "1"])
    #expect(table.text == "| a | b |\n|---|---:|\n| x\\|y | 1 |\n")
  }

  @Test(
    "legend entries never overlap one another or leave the chart, at any label length",
    arguments: [4, 30, 60, 120, 400])
  func legendEntriesNeverOverlap(labelLength: Int) throws {
    var chart = SVGChart(title: "t", xLabel: "rank", yLabel: "images/s")
    let label = { (i: Int) in
      String(repeating: "w", count: labelLength / 2) + " \(i) "
        + String(repeating: "m", count: labelLength / 2)
    }
    for i in 0..<3 {
      chart.series.append(.init(name: label(i), color: "#000", points: [(1, 1), (2, 2)]))
    }
    chart.references.append(.init(y: 1.5, label: label(9), color: "#333", band: (1.4, 1.6)))
    chart.markers.append(.init(x: 1, y: 1, label: label(7), color: "#f00", shape: .circle))
    let svg = chart.render()
    // Every legend text line as (x, baseline y, estimated width) at the layout's glyph width.
    var boxes: [(x: Double, y: Double, width: Double)] = []
    for match in svg.matches(of: /<text x="([0-9.]+)" y="([0-9.]+)">([^<]*)<\/text>/) {
      let text = String(match.3)
      guard text.contains("w") || text.contains("m") else { continue }
      boxes.append((Double(match.1)!, Double(match.2)!, Double(text.count) * LegendLayout.characterWidth))
    }
    #expect(boxes.count >= 5)
    for box in boxes { #expect(box.x + box.width <= chart.width, "a legend line leaves the chart: \(box)") }
    for (i, a) in boxes.enumerated() {
      for b in boxes[(i + 1)...] where abs(a.y - b.y) < LegendLayout.lineHeight {
        let disjoint = a.x + a.width <= b.x - 4 || b.x + b.width <= a.x - 4
        #expect(disjoint, "legend lines overlap: \(a) and \(b)")
      }
    }
    #expect(boxes.allSatisfy { $0.y <= chart.height }, "the legend fits the chart's height")
  }

  @Test func niceTicks() {
    #expect(SVGChart.ticks(0, 10) == [0, 2, 4, 6, 8, 10])
    #expect(SVGChart.ticks(155, 309, count: 8) == [175, 200, 225, 250, 275, 300])
    #expect(SVGChart.ticks(0.5, 1.5, count: 3) == [0.5, 1, 1.5])
  }

  @Test func groupedThousands() {
    #expect(LayersReport.grouped(25_557_032) == "25,557,032")
    #expect(LayersReport.grouped(-1000) == "-1,000")
    #expect(LayersReport.grouped(999) == "999")
  }
}

@Suite("Sweeps on several backends")
struct SweepBackendsReportTests {
  /// The fixture sweep as if measured on `backend`, every decomposed time scaled by `scale`.
  func sweep(on backend: GEMMBackend, scale: Double) throws -> SweepResult {
    var result = try JSONCoding.decoder.decode(SweepResult.self, from: try Golden.fixture("sweep.json"))
    result.plan.backend = backend
    for c in result.configs.indices {
      for t in result.configs[c].timings.indices { result.configs[c].timings[t].ratio *= scale }
      for d in result.configs[c].decisions.indices where result.configs[c].decisions[d].choice.rank != nil {
        result.configs[c].decisions[d].speedup /= scale
        // The reported speed-up is the check's: scale it too.
        if var check = result.configs[c].decisions[d].confirmation {
          check.ratio *= scale
          check.ratioCI.lower *= scale
          check.ratioCI.upper *= scale
          result.configs[c].decisions[d].confirmation = check
        }
      }
    }
    return result
  }

  @Test func everyBackendHasARowAndTheFastestDecisionIsBest() throws {
    let results = [try sweep(on: .openblas, scale: 1), try sweep(on: .onednn, scale: 0.5)]
    let markdown = SweepBackendsReport.markdown(results)
    #expect(markdown.contains("| openblas |") && markdown.contains("| onednn |"))
    // Same original T, decisions twice as fast on onednn: the best pair is an onednn rank (or ORG when no
    // rank was faster).
    let best = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("Best (backend, rank)") })
    #expect(best.contains("**onednn,") && !best.contains("**openblas,"), "\(best)")
    #expect(markdown.contains("Rank cliffs"))
    let parser = XMLParser(data: Data(SweepBackendsReport.svg(results).utf8))
    #expect(parser.parse(), "SVG is not well-formed XML")
  }

  @Test func cliffsAreTheLargestDropsLargestFirst() {
    func timing(_ rank: Int, _ ratio: Double) -> RankTiming {
      RankTiming(
        rank: rank, flops: 1, referenceFlops: 1, median: ratio, lower: ratio, upper: ratio,
        referenceMedian: 1,
        ratio: ratio, ratioLower: ratio, ratioUpper: ratio)
    }
    let timings = [timing(10, 0.9), timing(9, 0.8), timing(8, 0.79), timing(7, 0.5), timing(6, 0.55)]
    let cliffs = SweepBackendsReport.cliffs(timings, anchor: nil)
    #expect(cliffs.map(\.rank) == [7, 9, 8])
    #expect(abs(cliffs[0].drop - 0.29) < 1e-12)
  }
}

@Suite("Backend check text")
struct BackendCheckTextTests {
  @Test func warnsWithTheFastestLibrarysShare() throws {
    var check = BackendCheck(
      subject: "layer4.2.conv2 (original), batch 8, inference",
      threads: ThreadConfig(threads: 2, binding: .compact),
      inUse: .openblas,
      timings: [
        .init(backend: .openblas, seconds: 0.0104, calls: 9),
        .init(backend: .blis, seconds: 0.0138, calls: 9),
        .init(backend: .onednn, seconds: 0.0071, calls: 9),
      ], unavailable: [], seconds: 2.4)
    var result = try JSONCoding.decoder.decode(SweepResult.self, from: try Golden.fixture("sweep.json"))
    result.backendCheck = check
    let text = SweepReport.markdown(result)
    #expect(text.contains("OpenBLAS 10.400 ms, BLIS 13.800 ms, oneDNN 7.100 ms"))
    #expect(text.contains("takes 1.46× the time of oneDNN"))
    #expect(text.contains("**Warning**: OpenBLAS runs the original here at 68% of oneDNN's speed"))
    check.timings[0].seconds = 0.0080
    result.backendCheck = check
    #expect(!SweepReport.markdown(result).contains("**Warning**"))
    result.backendCheck = nil
    #expect(SweepReport.markdown(result).contains("Backend check: not run."))
  }
}
