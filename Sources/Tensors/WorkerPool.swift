import CWorkerPool
import Support

/// A persistent pool of worker threads that runs one parallel region at a time: lrd-bench's own threading
/// for the GEMM backends.
///
/// Worker 0 is the calling thread; workers 1 ..< `workers` are threads created once in `init` and kept until
/// the pool is released. `run` is one fork and one join: it publishes the body, the workers (spinning with
/// `sched_yield` while idle, asleep on a futex after `spinMicroseconds`) run it, and the call returns when all
/// have finished. Nothing is allocated per region. The C handle is owned here and freed in `deinit`.
package final class WorkerPool: @unchecked Sendable {
  private let handle: OpaquePointer
  /// Workers, the calling thread included.
  package let workers: Int

  /// A pool of `workers` workers (at least 1; `workers - 1` threads are created).
  ///
  /// Throws `WorkerPoolError` with the errno when a thread cannot be created.
  package init(workers: Int) throws(WorkerPoolError) {
    var error: Int32 = 0
    guard let pool = lrd_pool_create(Int32(max(1, workers)), &error) else {
      throw WorkerPoolError(operation: "create \(workers) workers", errno: error)
    }
    handle = pool
    self.workers = Int(lrd_pool_workers(pool))
  }

  deinit { lrd_pool_destroy(handle) }

  /// Runs `work.run(worker:)` once on every worker w = 0 ..< min(`workers`, this pool's size) (0 on the
  /// calling thread) and returns when all have returned; workers beyond that idle through the region.
  ///
  /// `work` must only write memory that no other worker writes in the same region; the pointers it holds
  /// come from the caller's `withUnsafe…` closures, which outlive the region. One region at a time, from one
  /// thread. Allocation-free in every build: the work is a value passed by address with its type, never a
  /// closure converted to an escaping one.
  package func run<Work: ParallelWork>(_ work: Work, workers: Int = .max) {
    withUnsafePointer(to: work) { pointer in
      var frame = RegionFrame(work: UnsafeRawPointer(pointer), type: Work.self, workers: workers)
      withUnsafeMutablePointer(to: &frame) { frame in
        lrd_pool_run(
          handle,
          { raw, worker in
            let frame = raw!.assumingMemoryBound(to: RegionFrame.self).pointee
            if Int(worker) < frame.workers { frame.type.invoke(frame.work, worker: Int(worker)) }
          }, frame)
      }
    }
  }

  /// Parallel regions run so far (each one fork-join of the workers).
  package var regions: UInt64 { lrd_pool_regions(handle) }

  /// Sets how long an idle worker spins for the next region before it sleeps (default 2000 µs).
  package func setSpin(microseconds: Int) { lrd_pool_set_spin(handle, Int32(clamping: microseconds)) }

  /// Pins worker `worker` (0: the calling thread) to the logical CPUs `cpus` (OS indices).
  package func setAffinity(worker: Int, cpus: [Int]) throws(WorkerPoolError) {
    let list = cpus.map { Int32($0) }
    let rc = list.withUnsafeBufferPointer { buffer in
      lrd_pool_set_affinity(handle, Int32(worker), buffer.baseAddress, Int32(buffer.count))
    }
    if rc != 0 { throw WorkerPoolError(operation: "pin worker \(worker) to \(cpus)", errno: rc) }
  }

  /// The logical CPUs worker `worker` (0: the calling thread) may run on.
  package func affinity(worker: Int) throws(WorkerPoolError) -> [Int] {
    var cpus = [Int32](repeating: 0, count: 1024)
    let n = cpus.withUnsafeMutableBufferPointer { buffer in
      lrd_pool_get_affinity(handle, Int32(worker), buffer.baseAddress, Int32(buffer.count))
    }
    if n < 0 { throw WorkerPoolError(operation: "read worker \(worker)'s affinity", errno: -n) }
    return cpus.prefix(Int(n)).map(Int.init)
  }

  /// The kernel thread id of worker `worker` (0: the calling thread).
  package func threadID(worker: Int) -> Int { Int(lrd_pool_thread_id(handle, Int32(worker))) }
}

/// The work of one parallel region: `run(worker:)` is called once per worker, concurrently.
///
/// A value type holding pointers and sizes (and the objects whose methods do the work); each worker derives
/// its own part of the work from its index.
package protocol ParallelWork {
  /// Does worker `worker`'s part of the region.
  func run(worker: Int)
  /// Calls `run(worker:)` on the work of this type at `work` (provided).
  static func invoke(_ work: UnsafeRawPointer, worker: Int)
}

extension ParallelWork {
  /// Calls `run(worker:)` on the work at `work`.
  package static func invoke(_ work: UnsafeRawPointer, worker: Int) {
    work.assumingMemoryBound(to: Self.self).pointee.run(worker: worker)
  }
}

/// What the pool's C trampoline receives: the work's address, its type (for `invoke`) and the workers used.
struct RegionFrame {
  let work: UnsafeRawPointer
  let type: any ParallelWork.Type
  let workers: Int
}

/// A worker pool operation failed.
package struct WorkerPoolError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// What was attempted, for example "pin worker 1 to [3]".
  package var operation: String
  package var errno: Int32

  /// The message printed for this error.
  package var description: String {
    "lrd-bench's worker pool could not \(operation) (errno \(errno)); is the CPU in the process's CPU set?"
  }

  /// Never bad input: a failure (exit 1).
  package var isBadInput: Bool { false }
}
