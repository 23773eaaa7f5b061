import CHwloc
import Foundation
import Machine
import Synchronization

/// Evicts the caches between samples for `--cache cold`.
///
/// What "cold" covers: before every sample, one helper thread pinned to each processing unit the
/// thread config uses walks a buffer twice that core's private caches (L1d + L2), and the calling
/// thread walks a buffer twice the last-level cache, all writing every cache line; so every core
/// that runs the kernel starts with its private caches and the shared cache holding other data.
/// Unbound configs flush from every PU. The walk is not timed (it happens before the sample starts).
package final class CacheFlusher: @unchecked Sendable {
  private let shared: FlushBuffer
  private let workers: [FlushWorker]
  /// Bytes walked per flush by the calling thread (the last-level cache part).
  package var bytes: Int { shared.bytes }
  /// The PUs whose private caches are flushed.
  package let processingUnits: [Int]

  /// A flusher for `topology`: helpers on `processingUnits` (every PU when empty).
  package init(topology: TopologySummary, processingUnits: [Int] = []) {
    let line = topology.caches.first?.lineBytes ?? 64
    shared = FlushBuffer(bytes: max(2 * topology.lastLevelCacheBytes, 1 << 20), lineBytes: line)
    let pus = processingUnits.isEmpty ? topology.processingUnits : processingUnits
    self.processingUnits = pus
    workers = pus.map { pu in
      let privateBytes = topology.caches.filter { $0.sharedBy == [pu] && $0.kind != "instruction" }
        .reduce(0) { $0 + $1.sizeBytes }
      return FlushWorker(
        pu: pu, buffer: FlushBuffer(bytes: max(2 * privateBytes, 256 << 10), lineBytes: line))
    }
  }

  deinit { for worker in workers { worker.stop() } }

  /// Flushes: every helper walks its buffer on its own core while this thread walks the shared one.
  package func flush() {
    for worker in workers { worker.request() }
    shared.walk()
    for worker in workers { worker.wait() }
  }
}

/// A buffer whose every cache line a walk writes (read-modify-write, so lines are dirty).
final class FlushBuffer: @unchecked Sendable {
  private var values: [Float]
  private let stride: Int
  var bytes: Int { values.count * MemoryLayout<Float>.size }

  init(bytes: Int, lineBytes: Int) {
    values = [Float](repeating: 1, count: bytes / MemoryLayout<Float>.size)
    stride = max(lineBytes / MemoryLayout<Float>.size, 1)
  }

  func walk() {
    values.withUnsafeMutableBufferPointer { p in
      var i = 0
      while i < p.count {
        p[i] += 1
        i += stride
      }
    }
  }
}

/// A thread pinned to one PU that walks its buffer whenever asked.
final class FlushWorker: @unchecked Sendable {
  private let go = DispatchSemaphore(value: 0)
  private let done = DispatchSemaphore(value: 0)
  private let stopping = Atomic<Bool>(false)

  init(pu: Int, buffer: FlushBuffer) {
    let thread = Thread { [self] in
      _ = lrd_pin_current_thread(Int32(pu))
      while true {
        go.wait()
        if stopping.load(ordering: .acquiring) { break }
        buffer.walk()
        done.signal()
      }
      done.signal()
    }
    thread.name = "lrd-bench cache flush PU \(pu)"
    thread.start()
  }

  func request() { go.signal() }
  func wait() { done.wait() }

  func stop() {
    stopping.store(true, ordering: .releasing)
    go.signal()
    done.wait()
  }
}
