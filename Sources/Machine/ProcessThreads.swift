import CPerfEvent
import Foundation

/// The kernel thread ids of this process (`/proc/self/task`), main thread first.
package enum ProcessThreads {
  /// Every thread of the process, sorted by tid (the main thread's tid equals the pid, the lowest).
  package static func all() -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    let tids = entries.compactMap { Int32($0) }.sorted()
    return tids.isEmpty ? [current()] : tids
  }

  /// The calling thread's tid.
  package static func current() -> Int32 { lrd_gettid() }
}
