import CHwloc
import Tensors

/// What binding was asked for and what took effect (read back from the OS), stored with results.
package struct BindingRecord: Codable, Sendable, Equatable {
  /// The thread config that was applied.
  package var config: ThreadConfig
  /// PU OS index chosen for each BLAS thread (calling thread first); empty for `none`.
  package var plannedProcessingUnits: [Int]
  /// The process CPU set read back with hwloc_get_cpubind.
  package var processCPUSet: [Int]
  /// The affinity of each active OpenBLAS thread read back with openblas_getaffinity (calling thread first).
  package var blasThreadAffinity: [[Int]]
  /// True when every thread's read-back affinity equals the plan.
  package var verified: Bool
  /// OpenBLAS's active thread count after the change.
  package var blasThreads: Int
  /// The affinity of each of lrd-bench's pool workers read back (worker 0, the calling thread, first); nil in
  /// results written before the pool existed.
  package var poolWorkerAffinity: [[Int]]?
}

/// An hwloc bitmap owned by Swift (freed in `deinit`).
final class HwlocBitmap {
  let handle: hwloc_bitmap_t

  init(_ indices: [Int] = []) throws(TopologyError) {
    guard let bitmap = hwloc_bitmap_alloc() else {
      throw TopologyError(function: "hwloc_bitmap_alloc", errno: 12)
    }
    handle = bitmap
    for index in indices { _ = hwloc_bitmap_set(handle, UInt32(index)) }
  }

  deinit { hwloc_bitmap_free(handle) }

  var indices: [Int] { Topology.indices(handle) }
}

extension Topology {
  /// Sets the GEMM backend and lrd-bench's worker pool to `config.threads` threads and pins them as
  /// `config.binding` says: the process is bound (hwloc, HWLOC_CPUBIND_PROCESS) to the chosen PUs, then each
  /// pool worker to its own PU (worker w on the w-th; worker 0 is the calling thread) and, on OpenBLAS, each
  /// active OpenBLAS thread to its own PU (`openblas_setaffinity`; the calling thread takes the first).
  ///
  /// On oneDNN, each thread of its OpenMP team pins itself in a parallel region (thread t to the t-th chosen
  /// PU) and reads its mask back. BLIS has no per-thread affinity call: its threads (created by the calling
  /// thread, whose mask they inherit) run within the chosen PUs. Reads everything back and records whether it matches. Throws when
  /// the thread count exceeds the cores.
  ///
  /// `firstCore` shifts a compact binding to start at that core (two processes measuring at once on different
  /// cores, `ab --duet`).
  @discardableResult
  package func apply(_ config: ThreadConfig, firstCore: Int = 0) throws(ThreadConfigError) -> BindingRecord {
    let cores = summary.cores
    guard config.threads >= 1, firstCore >= 0, firstCore + config.threads <= max(cores.count, 1) else {
      throw .tooManyThreads(requested: firstCore + config.threads, cores: cores.count)
    }
    BLAS.setThreads(config.threads)
    var planned: [Int] = []
    do {
      switch config.binding {
      case .none:
        planned = []
      case .compact:
        planned = cores.dropFirst(firstCore).prefix(config.threads).compactMap { $0.processingUnits.first }
      case .scatter:
        planned = try scatterProcessingUnits(config.threads)
      }
      let processSet = try HwlocBitmap(planned.isEmpty ? summary.processingUnits : planned)
      try Self.check(
        hwloc_set_cpubind(handle, processSet.handle, Int32(HWLOC_CPUBIND_PROCESS.rawValue)),
        "hwloc_set_cpubind")
    } catch {
      throw .bindingFailed("\(error)")
    }
    // lrd-bench's pool: worker w ≥ 1 on the w-th planned PU (or anywhere in the process set), read back.
    // Worker 0 is the calling thread: OpenBLAS or oneDNN pin it below when they are in use; it is not pinned
    // here, because BLIS's threads inherit its mask (pinned to one PU, all of BLIS's threads would share it).
    let pool = Threading.pool
    var poolAffinity: [[Int]] = []
    for worker in 0..<pool.workers {
      let cpus = planned.isEmpty ? summary.processingUnits : [planned[worker % planned.count]]
      do {
        if worker > 0 { try pool.setAffinity(worker: worker, cpus: cpus) }
      } catch {
        throw .bindingFailed("\(error)")
      }
    }
    // Every library in use gets its threads pinned and read back (kernels of one network may run on
    // different backends; BLIS has no per-thread call, its threads stay within the process set).
    let inUse = BLAS.backendsInUse
    var groups: [[[Int]]] = []
    if inUse.contains(.onednn) {
      do {
        groups.append(try DNNL.pinThreads(planned.isEmpty ? nil : planned, threads: config.threads))
      } catch {
        throw .bindingFailed("\(error)")
      }
    }
    if inUse.contains(.openblas) {
      let active = Int(BLAS.openblasThreadCount)
      // OpenBLAS numbers its workers 0..<active-1; index active-1 is the calling thread.
      let order = [active - 1] + Array(0..<(active - 1))
      for (position, index) in order.enumerated() {
        let cpus = planned.isEmpty ? summary.processingUnits : [planned[position % planned.count]]
        do {
          try BLAS.setAffinity(threadIndex: index, cpus: cpus)
        } catch {
          throw .bindingFailed("\(error)")
        }
      }
      groups.append(order.map { (try? BLAS.affinity(threadIndex: $0)) ?? [] })
    }
    for worker in 0..<pool.workers { poolAffinity.append((try? pool.affinity(worker: worker)) ?? []) }
    return readBack(config, planned: planned, groups: groups, pool: poolAffinity)
  }

  /// The binding as read back; `groups` holds each library's per-thread CPU sets (thread t of a library
  /// expected on the t-th planned PU).
  ///
  /// `pool` holds the pool workers' CPU sets: worker w ≥ 1 expected on the w-th planned PU, worker 0 (the
  /// calling thread) on the first or, when no library pinned it, anywhere in the process set.
  private func readBack(_ config: ThreadConfig, planned: [Int], groups: [[[Int]]], pool: [[Int]])
    -> BindingRecord
  {
    var processSet: [Int] = []
    if let bitmap = try? HwlocBitmap(),
      hwloc_get_cpubind(handle, bitmap.handle, Int32(HWLOC_CPUBIND_PROCESS.rawValue)) == 0
    {
      processSet = bitmap.indices
    }
    let expectedProcess = planned.isEmpty ? summary.processingUnits : planned.sorted()
    var verified = Set(processSet) == Set(expectedProcess)
    for affinity in groups {
      for (position, cpus) in affinity.enumerated() {
        let expected = planned.isEmpty ? summary.processingUnits : [planned[position % planned.count]]
        if Set(cpus) != Set(expected) { verified = false }
      }
    }
    for (worker, cpus) in pool.enumerated() {
      let expected = planned.isEmpty ? summary.processingUnits : [planned[worker % planned.count]]
      if Set(cpus) != Set(expected) && !(worker == 0 && Set(cpus) == Set(processSet)) { verified = false }
    }
    return BindingRecord(
      config: config, plannedProcessingUnits: planned, processCPUSet: processSet,
      blasThreadAffinity: groups.flatMap { $0 },
      verified: verified && !processSet.isEmpty, blasThreads: BLAS.threads, poolWorkerAffinity: pool)
  }
}
