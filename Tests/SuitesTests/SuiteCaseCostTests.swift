import Store
import Support
import Testing

@testable import Suites

@Suite("Balancing a suite's shards")
struct SuiteCaseCostTests {
  static let suite = """
    suite: t
    points:
      - {name: a, layer: fc, budget: 4, threads: [1, 2]}
      - {name: b, layer: fc, budget: 1}
      - {name: c, layer: fc, budget: 2}
    """

  static func record(_ name: String, samples: Int, calls: Int, median: Double) -> PointRecord {
    PointRecord(
      name: name, spec: "{}", samples: Array(repeating: median, count: samples), callsPerSample: calls,
      median: median, ciLow: median, ciHigh: median, cv: 0, stopReason: "target", reachedTarget: true,
      counters: "{}")
  }

  @Test("a case costs its last sampling time, never more than its budget; its budget without history")
  func estimates() throws {
    let cases = try SuiteParser.parse(Self.suite, file: "t.yaml").expanded(cores: 2)
    let a = try #require(cases.first)
    #expect(a.estimatedSeconds(latest: nil) == 4)
    #expect(a.estimatedSeconds(latest: Self.record(a.name, samples: 10, calls: 5, median: 0.01)) == 0.5)
    #expect(a.estimatedSeconds(latest: Self.record(a.name, samples: 1000, calls: 100, median: 0.01)) == 4)
    #expect(a.estimatedSeconds(latest: Self.record(a.name, samples: 0, calls: 1, median: .nan)) == 4)
    // Budgets 4, 4, 1, 2 in two shards, largest first to the lighter shard: {4, 2} and {4, 1}.
    let costs = try SuiteCase.estimatedSeconds(cases, history: nil, machine: "m")
    #expect(costs == [4, 4, 1, 2])
    let shards = [1, 2].map { Shard(index: $0, count: 2)!.items(costs: costs) }
    #expect(shards == [[0, 3], [1, 2]])
  }
}
