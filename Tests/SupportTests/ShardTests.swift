import Testing

@testable import Support

@Suite("Shards")
struct ShardTests {
  /// Costs like a model's layer shapes: a few large, many small, some equal.
  static let costs: [Double] = (0..<53).map { (i: Int) -> Double in
    let base = Double((i * 7919) % 97 + 1)
    return i % 5 == 0 ? base * 10 : base
  }

  @Test("every item lands in exactly one shard, for 1 to 17 shards", arguments: 1...17)
  func aPartition(count: Int) throws {
    var seen: [Int] = []
    for index in 1...count {
      let shard = try #require(Shard(index: index, count: count))
      seen += shard.items(costs: Self.costs)
    }
    #expect(seen.sorted() == Array(Self.costs.indices))
  }

  @Test("shards are balanced by estimated cost within 20%", arguments: 1...17)
  func balanced(count: Int) {
    let assignment = Shard.assignment(costs: Self.costs, count: count)
    var loads = [Double](repeating: 0, count: count)
    for (item, shard) in assignment.enumerated() { loads[shard - 1] += Self.costs[item] }
    let even = max(Self.costs.reduce(0, +) / Double(count), Self.costs.max() ?? 0)
    #expect(loads.max()! <= 1.2 * even, "loads \(loads) against an even share of \(even)")
  }

  @Test func theSameListAlwaysGivesTheSameShards() {
    #expect(Shard.assignment(costs: Self.costs, count: 5) == Shard.assignment(costs: Self.costs, count: 5))
    #expect(
      Shard.assignment(costs: [1, 1, 1, 1], count: 2) == [1, 2, 1, 2], "equal costs dealt in list order")
  }

  @Test func parsing() {
    #expect(Shard(parsing: "2/3") == Shard(index: 2, count: 3))
    for bad in ["0/3", "4/3", "1/0", "a/b", "1", "1/2/3", "-1/2", "", "1/100000"] {
      #expect(Shard(parsing: bad) == nil, "\(bad)")
    }
  }
}
