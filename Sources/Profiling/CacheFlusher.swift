/// Evicts the caches between samples for `--cache cold` by walking a buffer larger than the
/// last-level cache (twice its size, from hwloc), writing every cache line.
public final class CacheFlusher {
  private var buffer: [Float]
  private let stride: Int
  /// Bytes walked per flush.
  public var bytes: Int { buffer.count * MemoryLayout<Float>.size }

  /// A flusher for a last-level cache of `lastLevelCacheBytes` (lines of `lineBytes`).
  public init(lastLevelCacheBytes: Int, lineBytes: Int = 64) {
    let count = max(2 * lastLevelCacheBytes, 1 << 20) / MemoryLayout<Float>.size
    buffer = [Float](repeating: 1, count: count)
    stride = max(lineBytes / MemoryLayout<Float>.size, 1)
  }

  /// Touches every line of the buffer (read-modify-write, so lines are dirty and must be evicted).
  public func flush() {
    buffer.withUnsafeMutableBufferPointer { p in
      var i = 0
      while i < p.count {
        p[i] += 1
        i += stride
      }
    }
  }
}
