import CAllocationCounter
import Foundation
import Tensors
import Testing

/// Counts each worker's calls and records the thread it ran on.
private struct Tally: ParallelWork {
  let pool: WorkerPool
  let hits: UnsafeMutablePointer<Int>
  let threads: UnsafeMutablePointer<Int>
  func run(worker: Int) {
    hits[worker] += 1
    threads[worker] = pool.threadID(worker: worker)
  }
}

/// Uneven busy work per worker, summed into each worker's slot.
private struct Busy: ParallelWork {
  let round: Int
  let sums: UnsafeMutablePointer<Int>
  func run(worker: Int) { sums[worker] &+= Busy.work(worker: worker, round: round) }
  static func work(worker: Int, round: Int) -> Int {
    var total = 0
    for i in 0..<(1000 * (worker + 1)) { total &+= i ^ round }
    return total
  }
}

/// Counts heap allocations on each worker thread (1 ..< workers) inside the region.
private struct CountAllocations: ParallelWork {
  let counts: UnsafeMutablePointer<UInt64>
  func run(worker: Int) {
    guard worker > 0 else { return }
    lrd_alloc_thread_start()
    counts[worker] &+= lrd_alloc_thread_stop()
  }
}

@Suite("Worker pool", .serialized)
struct WorkerPoolTests {
  @Test("every worker runs each region once, on its own thread", arguments: [1, 2, 3])
  func regions(workers: Int) throws {
    let pool = try WorkerPool(workers: workers)
    var hits = [Int](repeating: 0, count: workers)
    var threads = [Int](repeating: 0, count: workers)
    hits.withUnsafeMutableBufferPointer { h in
      threads.withUnsafeMutableBufferPointer { t in
        for _ in 0..<200 { pool.run(Tally(pool: pool, hits: h.baseAddress!, threads: t.baseAddress!)) }
        // A region on fewer workers leaves the others idle.
        pool.run(Tally(pool: pool, hits: h.baseAddress!, threads: t.baseAddress!), workers: 1)
      }
    }
    #expect(hits == [201] + [Int](repeating: 200, count: workers - 1))
    #expect(Set(threads).count == workers, "workers shared a thread: \(threads)")
    #expect(pool.regions == 201)
  }

  @Test("a region waits for workers that were asleep")
  func sleepingWorkers() throws {
    let pool = try WorkerPool(workers: 3)
    pool.setSpin(microseconds: 0)
    var sums = [Int](repeating: 0, count: 3)
    sums.withUnsafeMutableBufferPointer { s in
      for round in 0..<50 { pool.run(Busy(round: round, sums: s.baseAddress!)) }
    }
    let expected = (0..<3).map { worker in (0..<50).reduce(0) { $0 &+ Busy.work(worker: worker, round: $1) } }
    #expect(sums == expected)
  }

  /// The calling thread's allocations around the regions plus each worker's inside them (thread-local
  /// counters: the test runner's own threads allocate meanwhile).
  @Test("a region allocates nothing", arguments: [1, 2, 3])
  func regionsDoNotAllocate(workers: Int) throws {
    let pool = try WorkerPool(workers: workers)
    var workerAllocations = [UInt64](repeating: 0, count: workers)
    let callerAllocations = workerAllocations.withUnsafeMutableBufferPointer { counts in
      let work = CountAllocations(counts: counts.baseAddress!)
      pool.run(work)
      Threading.parallel(workers: workers, backend: .openblas, work)
      lrd_alloc_thread_start()
      for _ in 0..<10 {
        pool.run(work)
        Threading.parallel(workers: workers, backend: .openblas, work)
      }
      return lrd_alloc_thread_stop()
    }
    #expect(
      callerAllocations == 0, "\(callerAllocations) heap allocations on the calling thread in 20 regions")
    #expect(workerAllocations.allSatisfy { $0 == 0 }, "allocations on the workers: \(workerAllocations)")
  }

  @Test("shares cover the range in order, sizes differing by at most one")
  func shares() {
    for count in [0, 1, 5, 64, 1001] {
      for parts in 1...4 {
        let ranges = (0..<parts).map { Threading.share($0, of: parts, count: count) }
        #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
        for (a, b) in zip(ranges, ranges.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        let sizes = ranges.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
      }
    }
  }

  @Test("LRD_BENCH_THREADING: pool by default, an unknown value is reported")
  func threadingChoice() {
    let saved = ProcessInfo.processInfo.environment["LRD_BENCH_THREADING"]
    defer {
      if let saved { setenv("LRD_BENCH_THREADING", saved, 1) } else { unsetenv("LRD_BENCH_THREADING") }
    }
    unsetenv("LRD_BENCH_THREADING")
    #expect(Threading.choiceError == nil)
    setenv("LRD_BENCH_THREADING", "Library", 1)
    #expect(Threading.choiceError == nil)
    setenv("LRD_BENCH_THREADING", "bogus", 1)
    #expect(
      Threading.choiceError?.contains("LRD_BENCH_THREADING=bogus is not one of pool, library, auto") == true)
  }
}
