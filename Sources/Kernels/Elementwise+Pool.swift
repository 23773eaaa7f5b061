import Tensors

/// Elementwise passes on lrd-bench's worker pool (each worker a contiguous share of the elements), so a
/// training step's SGD updates, residual adds and ReLUs neither run on one thread nor wake OpenBLAS's own
/// thread pool (whose threads would then spin against the pool's workers on the same CPUs).
struct ElementwiseRegion: ParallelWork {
  enum Operation {
    /// y += α·x.
    case axpy(alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>)
    /// y = x.
    case copy(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>)
    /// y = max(x, 0) (`x` may equal `y`).
    case relu(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>)
    /// dx = dy · [y > 0] (`dy` may equal `dx`).
    case reluBackward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>)
  }

  let operation: Operation
  let workers: Int
  let count: Int

  func run(worker: Int) {
    let part = Threading.share(worker, of: workers, count: count)
    guard !part.isEmpty else { return }
    let (start, n) = (part.lowerBound, part.count)
    switch operation {
    case .axpy(let alpha, let x, let y):
      BLAS.axpy(count: n, alpha: alpha, x: x + start, y: y + start)
    case .copy(let x, let y):
      (y + start).update(from: x + start, count: n)
    case .relu(let x, let y):
      for i in part { y[i] = max(x[i], 0) }
    case .reluBackward(let y, let dy, let dx):
      if UnsafePointer(dx) == dy {
        ChannelKernels.maskInPlace(dx + start, by: y + start, count: n)
      } else {
        for i in part { dx[i] = y[i] > 0 ? dy[i] : 0 }
      }
    }
  }

  /// Runs `operation` over `count` elements: on the pool (the library single-threaded, so each worker's
  /// `saxpy` runs on that worker) when there are at least `ChannelKernels.parallelMinimum` elements, else on
  /// the calling thread with the library single-threaded as well.
  static func apply(_ operation: Operation, count: Int) {
    let workers = count < ChannelKernels.parallelMinimum ? 1 : max(1, min(Threading.workers, count))
    let region = ElementwiseRegion(operation: operation, workers: workers, count: count)
    if workers > 1 {
      Threading.parallel(workers: workers, backend: .openblas, region)
    } else {
      Threading.single(backend: .openblas, region)
    }
  }
}
