import Tensors

/// Batch norm's passes on lrd-bench's worker pool: each worker takes a contiguous share of the rows (output
/// pixels); sums go to per-worker partials that the caller adds up in worker order, so results are the same
/// bits on every run with the same worker count.
///
/// Workers touch only the pointers they are handed (never a `Tensor` or a Swift array).
struct ChannelRegion: ParallelWork {
  enum Pass {
    /// `ChannelKernels.affine` on the worker's rows.
    case affine(residual: UnsafePointer<Float>?, relu: Bool)
    /// `ChannelKernels.sums` of the worker's rows into its partials.
    case sums
    /// `ChannelKernels.backwardSums` of the worker's rows into its partials.
    case backwardSums(dy: UnsafePointer<Float>, mask: UnsafePointer<Float>?)
    /// `ChannelKernels.backwardApply` on the worker's rows.
    case backwardApply(dy: UnsafePointer<Float>, mask: UnsafePointer<Float>?, d: UnsafePointer<Float>)
  }

  let pass: Pass
  let workers: Int
  let rows: Int
  let channels: Int
  let x: UnsafePointer<Float>
  /// The output (affine, backwardApply); unused by the sums.
  let out: UnsafeMutablePointer<Float>
  /// Per-channel scale and shift (affine) or a and b (backwardApply); mean and inverse std (backwardSums).
  let first: UnsafePointer<Float>
  let second: UnsafePointer<Float>
  /// Per-worker Float block accumulators, `[workers][channels]` each.
  let blockA: UnsafeMutablePointer<Float>
  let blockB: UnsafeMutablePointer<Float>
  /// Per-worker Double partial sums, `[workers][channels]` each.
  let partialA: UnsafeMutablePointer<Double>
  let partialB: UnsafeMutablePointer<Double>

  func run(worker: Int) {
    let share = Threading.share(worker, of: workers, count: rows)
    let c = channels
    let offset = share.lowerBound * c
    let slot = worker * c
    switch pass {
    case .affine(let residual, let relu):
      ChannelKernels.affine(
        x + offset, out + offset, residual: residual.map { $0 + offset }, relu: relu, scale: first,
        shift: second,
        rows: share.count, channels: c)
    case .sums:
      ChannelKernels.sums(
        x + offset, rows: share.count, channels: c, blockSum: blockA + slot, blockSquares: blockB + slot,
        sum: partialA + slot, squares: partialB + slot)
    case .backwardSums(let dy, let mask):
      ChannelKernels.backwardSums(
        x: x + offset, dy: dy + offset, mask: mask.map { $0 + offset }, mean: first, inverseStd: second,
        rows: share.count, channels: c, blockGamma: blockA + slot, blockBeta: blockB + slot,
        dGamma: partialA + slot, dBeta: partialB + slot)
    case .backwardApply(let dy, let mask, let d):
      ChannelKernels.backwardApply(
        x: x + offset, dy: dy + offset, mask: mask.map { $0 + offset }, a: first, b: second, d: d,
        out: out + offset, rows: share.count, channels: c)
    }
  }
}

extension ChannelKernels {
  /// Elements below which a pass runs on the calling thread alone (a region costs more than it saves).
  static let parallelMinimum = 32_768

  /// Workers for a pass over `rows` × `channels`: the pool's size (at most `capacity`), 1 for small tensors.
  static func workers(rows: Int, channels: Int, capacity: Int) -> Int {
    rows * channels < parallelMinimum ? 1 : max(1, min(Threading.workers, capacity, rows))
  }

  /// Adds the per-worker partial sums `[workers][c]` into `total[0..<c]` in worker order.
  static func combine(
    _ partials: UnsafePointer<Double>, workers: Int, channels c: Int, into total: UnsafeMutablePointer<Double>
  ) {
    total.update(repeating: 0, count: c)
    for worker in 0..<workers {
      for j in 0..<c { total[j] += partials[worker * c + j] }
    }
  }
}
