import Foundation
import Testing

@testable import Suites

let suitesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("../../suites").standardized.path

@Suite("Suite files")
struct SuiteParserTests {
  @Test("the shipped suites parse", arguments: ["smoke", "nightly", "paper"])
  func shipped(name: String) throws {
    let suite = try SuiteParser.load("\(suitesDirectory)/\(name).yaml")
    #expect(suite.name == name)
    #expect(!suite.points.isEmpty)
    let cases = suite.expanded(cores: 2)
    #expect(Set(cases.map(\.name)).count == cases.count, "stored names are unique")
  }

  @Test func defaultsAndOverrides() throws {
    let suite = try SuiteParser.parse(
      """
      suite: t
      defaults: {batch: 4, threads: [1, all], budget: 0.2}
      points:
        - {name: a, layer: layer4.2.conv2, factorization: alpha}
        - {name: b, layer: fc, rank: 100, batch: 2, threads: 1, mode: training}
        - name: c
          variant: merged+branched:4
          references:
            "*": {expected: 0.5, lower: -0.2, upper: 0.3, unit: s}
      """, file: "t.yaml")
    let cases = suite.expanded(cores: 2)
    #expect(cases.map(\.name) == ["a/t1", "a/t2", "b/t1", "c/t1", "c/t2"])
    #expect(cases[0].point.batch == 4 && cases[2].point.batch == 2 && cases[2].point.mode == .training)
    guard case .layer(_, _, let factorization, _) = cases[0].point.target else {
      Issue.record("a is a layer point")
      return
    }
    #expect(factorization == .tucker2(r1: 309, r2: 309))
    let reference = try #require(suite.points[2].references["*"])
    #expect(reference.accepts(0.6) && !reference.accepts(0.66) && !reference.accepts(0.39))
  }

  @Test(
    "malformed suites name the file, line and key",
    arguments: [
      ("suite: t\npoints:\n  - {name: a, layr: fc}\n", "t.yaml:3", "layr", "did you mean layer"),
      ("suite: t\npoints:\n  - {name: a, layer: fc, batch: many}\n", "t.yaml:3", "batch", "integer"),
      ("suite: t\npoints:\n  - {name: a, layer: layer9.9.conv2}\n", "t.yaml:3", "layer", "closest names"),
      (
        "suite: t\npoints:\n  - {name: a, layer: fc}\n  - {name: a, layer: fc}\n", "t.yaml:4", "name",
        "duplicate"
      ),
      (
        "suite: t\npoints:\n  - {name: a, layer: fc, factorization: 'tucker2:3,3'}\n", "t.yaml:3",
        "factorization", "svd"
      ),
      ("suite: t\npoints:\n  - {name: a, layer: fc, variant: lrd}\n", "t.yaml:3", "variant", "both"),
      ("suite: t\npoints:\n  - {name: a, variant: frozen+merged}\n", "t.yaml:3", "variant", "do not combine"),
      (
        "suite: t\npoints:\n  - name: a\n    layer: fc\n    references:\n      '*': {expected: 1, lower: 0.2, upper: -0.2}\n",
        "t.yaml:6", "lower", "above the upper bound"
      ),
      ("suite: t\npoints: []\n", "t.yaml:2", "points", "non-empty"),
      ("points:\n  - {name: a, layer: fc}\n", "t.yaml:1", "suite", "missing"),
      ("suite: t\npoints:\n  - {name: a, layer: fc\n", "t.yaml", nil, "not valid YAML"),
      (
        "suite: t\ndefaults: {threads: [0]}\npoints:\n  - {name: a, layer: fc}\n", "t.yaml:2", "threads",
        "thread count"
      ),
    ] as [(String, String, String?, String)])
  func malformed(text: String, location: String, key: String?, message: String) {
    #expect {
      try SuiteParser.parse(text, file: "t.yaml")
    } throws: { error in
      let description = "\(error)"
      return description.hasPrefix(location) && description.contains(message)
        && (key.map { description.contains("key '\($0)'") } ?? true)
    }
  }

  @Test("more threads than the machine's cores is an error at the count's line and column")
  func tooManyThreadsPointsAtTheCount() throws {
    let suite = try SuiteParser.parse(
      "suite: t\npoints:\n  - name: a\n    layer: fc\n    threads: [1, 999]\n", file: "t.yaml")
    try suite.checkThreads(cores: 999, file: "t.yaml")
    #expect {
      try suite.checkThreads(cores: 2, file: "t.yaml")
    } throws: { error in
      guard let error = error as? SuiteError else { return false }
      return error.line == 5 && error.column == 14 && error.description.contains("999 threads")
    }
  }

  @Test func machineKeysAreStableAndReadable() {
    let suite = try? SuiteParser.parse("suite: t\npoints:\n  - {name: a, layer: fc}\n", file: "t.yaml")
    #expect(suite?.digest.count == 16)
    let again = try? SuiteParser.parse("suite: t\npoints:\n  - {name: a, layer: fc}\n", file: "t.yaml")
    #expect(suite?.digest == again?.digest)
  }
}
