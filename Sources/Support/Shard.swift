/// One part of a work list split for several machines or jobs: shard `index` of `count` (1-based).
///
/// The split is deterministic: items are dealt by estimated cost, largest first, each to the shard with
/// the least cost so far (ties to the lower shard, equal costs in list order), so every shard gets a
/// balanced share and the same list always gives the same shards. Every item lands in exactly one shard.
package struct Shard: Codable, Sendable, Hashable, CustomStringConvertible {
  /// Which shard, 1 … `count`.
  package var index: Int
  /// How many shards the work is split into.
  package var count: Int

  /// The most shards a list may be split into.
  package static let maximumCount = 10_000

  /// Shard `index` of `count`; nil unless 1 ≤ index ≤ count ≤ `maximumCount`.
  package init?(index: Int, count: Int) {
    guard count >= 1, count <= Self.maximumCount, (1...count).contains(index) else { return nil }
    self.index = index
    self.count = count
  }

  /// "i/n", as options and directory names write it.
  package var description: String { "\(index)/\(count)" }

  /// Parses "i/n"; nil for anything else.
  package init?(parsing text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
    self.init(index: i, count: n)
  }

  /// The shard (1-based) of each item when items of these estimated `costs` are split into `count` shards.
  ///
  /// Longest-processing-time first: its largest shard is at most 4/3 of the best possible split's.
  /// Non-finite or negative costs count as 0.
  package static func assignment(costs: [Double], count: Int) -> [Int] {
    let order = costs.indices.sorted { a, b in
      let (x, y) = (weight(costs[a]), weight(costs[b]))
      return x != y ? x > y : a < b
    }
    var loads = [Double](repeating: 0, count: max(count, 1))
    var result = [Int](repeating: 1, count: costs.count)
    for item in order {
      var lightest = 0
      for shard in loads.indices where loads[shard] < loads[lightest] { lightest = shard }
      result[item] = lightest + 1
      loads[lightest] += weight(costs[item])
    }
    return result
  }

  /// The positions of the items of this shard, in list order.
  package func items(costs: [Double]) -> [Int] {
    Self.assignment(costs: costs, count: count).enumerated().filter { $0.element == index }.map(\.offset)
  }

  static func weight(_ cost: Double) -> Double { cost.isFinite && cost > 0 ? cost : 0 }
}
