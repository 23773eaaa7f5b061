import CBLAS
import Foundation

/// Who runs a GEMM-backend kernel's threads.
///
/// * `pool`: lrd-bench's `WorkerPool` enters one parallel region per kernel call and partitions the work
///   (output rows, output channels or weight-gradient rows); each worker packs its own im2col columns and
///   calls the library's GEMM single-threaded.
/// * `library`: one thread packs the columns and the library threads each GEMM call itself (OpenBLAS's or
///   BLIS's thread pool: one fork-join per GEMM call).
package enum ThreadingStrategy: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
  case pool
  case library

  /// The strategy as `LRD_BENCH_THREADING` spells it.
  package var description: String { rawValue }
}

/// The process's worker pool and the rule that picks each kernel's threading strategy.
///
/// `BLAS.setThreads(n)` sizes the pool to n workers (the calling thread and n − 1 threads) and the library's
/// own thread pool to n threads; a kernel on the `pool` strategy makes the library single-threaded for the
/// duration of its parallel region (`Threading.parallel`).
package enum Threading {
  /// How kernels choose their strategy, from `LRD_BENCH_THREADING`.
  ///
  /// pool (the default), library, or auto (each GEMM-backend kernel times both when it is made and keeps
  /// the library's threads only when clearly faster; see `Conv2D`). The pool is the default because a brief
  /// measurement at build time picks differently from run to run on a noisy machine, and the library's
  /// threads are the path whose speed depends on the machine's phase.
  package enum Choice: String, CaseIterable, Codable, Sendable {
    case pool
    case library
    case auto
  }

  /// The choice from `LRD_BENCH_THREADING` (pool when unset; an unknown value is reported by `choiceError`).
  package static var choice: Choice {
    get { state.choice }
    set { state.choice = newValue }
  }

  /// The problem with `LRD_BENCH_THREADING`, if its value is not pool, library or auto.
  package static var choiceError: String? {
    guard let text = ProcessInfo.processInfo.environment["LRD_BENCH_THREADING"], !text.isEmpty,
      Choice(rawValue: text.lowercased()) == nil
    else { return nil }
    return "LRD_BENCH_THREADING=\(text) is not one of pool, library, auto; unset it for the default (pool)"
  }

  nonisolated(unsafe) static var state: (pool: WorkerPool?, choice: Choice) = (
    nil,
    Choice(rawValue: ProcessInfo.processInfo.environment["LRD_BENCH_THREADING"]?.lowercased() ?? "") ?? .pool
  )

  /// The process's pool, sized by `BLAS.setThreads` (one worker until then).
  package static var pool: WorkerPool {
    if let pool = state.pool { return pool }
    return resize(1)
  }

  /// Workers of the process's pool.
  package static var workers: Int { state.pool?.workers ?? 1 }

  /// Makes the process's pool `count` workers (a new pool when the count changes; its threads are unpinned
  /// until `Topology.apply` pins them).
  @discardableResult
  static func resize(_ count: Int) -> WorkerPool {
    let count = max(1, count)
    if let pool = state.pool, pool.workers == count { return pool }
    state.pool = nil  // join the old workers first
    do {
      let pool = try WorkerPool(workers: count)
      state.pool = pool
      return pool
    } catch {
      // Thread creation failed (resource limits): run on the calling thread alone.
      let pool = try! WorkerPool(workers: 1)
      state.pool = pool
      return pool
    }
  }

  /// Runs `work.run(worker:)` for w = 0 ..< `workers` (at most the pool's size) on the process's pool, with
  /// `backend`'s library single-threaded so that each worker's GEMM calls run on that worker alone; the
  /// library's thread count is restored afterwards.
  ///
  /// With one worker, `work.run(worker: 0)` runs on the calling thread without a region (and with the
  /// library's threads as they are). Allocation-free.
  package static func parallel<Work: ParallelWork>(workers: Int, backend: GEMMBackend, _ work: Work) {
    let pool = self.pool
    let used = min(workers, pool.workers)
    if used <= 1 {
      work.run(worker: 0)
      return
    }
    let restore = BLAS.singleThreadLibrary(backend)
    pool.run(work, workers: used)
    BLAS.restoreLibraryThreads(backend, restore)
  }

  /// Runs `work.run(worker: 0)` on the calling thread with `backend`'s library single-threaded (restored
  /// afterwards): for work too small for a region that must not wake the library's own threads either.
  package static func single<Work: ParallelWork>(backend: GEMMBackend, _ work: Work) {
    let restore = BLAS.singleThreadLibrary(backend)
    work.run(worker: 0)
    BLAS.restoreLibraryThreads(backend, restore)
  }

  /// The contiguous part `part` of `count` items split into `parts` parts whose sizes differ by at most 1.
  @inline(__always)
  package static func share(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
    (count * part / parts)..<(count * (part + 1) / parts)
  }
}

extension BLAS {
  /// Makes `backend`'s library single-threaded for the next calls; returns the count to restore.
  @inline(__always)
  static func singleThreadLibrary(_ backend: GEMMBackend) -> Int {
    switch backend {
    case .openblas:
      let count = Int(openblas_get_num_threads())
      if count != 1 { openblas_set_num_threads(1) }
      return count
    case .blis:
      guard let blis = BLISLibrary.shared else { return 1 }
      let count = blis.threads
      if count != 1 { blis.setThreads(1) }
      return count
    case .onednn:
      return 1
    }
  }

  /// Restores the library's thread count saved by `singleThreadLibrary`.
  @inline(__always)
  static func restoreLibraryThreads(_ backend: GEMMBackend, _ count: Int) {
    guard count != 1 else { return }
    switch backend {
    case .openblas: openblas_set_num_threads(Int32(count))
    case .blis: BLISLibrary.shared?.setThreads(count)
    case .onednn: break
    }
  }
}
