import Foundation
import Support

/// Paired log ratios measured in passes, cut into ABBA blocks (pairs 2k and 2k + 1 of a pass together; an odd
/// last pair is a block of its own), for the two-stage bootstrap: draw as many passes as there are, with
/// replacement, then resample each drawn pass's blocks up to its size.
///
/// One pass is the plain block bootstrap (no draw is spent on choosing it).
package struct PassBlocks: Sendable {
  let blocks: [[[Double]]]
  let sizes: [Int]
  private var buffer: [Double] = []

  /// The blocks of `passes` (each pass's log ratios in measurement order; empty passes are dropped).
  package init(_ passes: [[Double]]) {
    let kept = passes.filter { !$0.isEmpty }
    blocks = kept.map { d in stride(from: 0, to: d.count, by: 2).map { Array(d[$0..<min($0 + 2, d.count)]) } }
    sizes = kept.map(\.count)
    buffer.reserveCapacity(sizes.reduce(0, +) + 2 * kept.count)
  }

  /// Pairs in all passes.
  package var count: Int { sizes.reduce(0, +) }
  /// Blocks in all passes.
  package var blockCount: Int { blocks.reduce(0) { $0 + $1.count } }
  /// Passes with at least one pair.
  package var passCount: Int { sizes.count }

  /// The median log ratio of one bootstrap resample.
  package mutating func resampledMedian(using rng: inout SplitMix64) -> Double {
    buffer.removeAll(keepingCapacity: true)
    for _ in sizes.indices {
      let g = sizes.count == 1 ? 0 : Int(rng.next() % UInt64(sizes.count))
      let target = buffer.count + sizes[g]
      while buffer.count < target { buffer += blocks[g][Int(rng.next() % UInt64(blocks[g].count))] }
    }
    buffer.sort()
    return SampleStatistics.quantile(buffer, 0.5)
  }
}
