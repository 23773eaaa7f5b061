import CPerfEvent
import Foundation

/// A Linux software event (task clock, page faults, context switches, …) counted with
/// `perf_event_open(2)` on every thread of the process, one file descriptor per thread, each owned
/// here and closed in `deinit`.
///
/// Used for `perf::` events when PAPI cannot count them: PAPI 7.0 disables its whole perf_event
/// component on machines without a core PMU (typical VMs), software events included, although the
/// kernel still provides them. Counts are exact (software events are never multiplexed).
final class PerfSoftwareCounter {
  /// The events this backend knows, by PAPI-style name (upper case, without "perf::").
  static let events: [String: (config: UInt64, unit: String)] = [
    "TASK-CLOCK": (lrd_perf_sw_task_clock(), "ns"),
    "CPU-CLOCK": (lrd_perf_sw_cpu_clock(), "ns"),
    "PAGE-FAULTS": (lrd_perf_sw_page_faults(), "faults"),
    "FAULTS": (lrd_perf_sw_page_faults(), "faults"),
    "MINOR-FAULTS": (lrd_perf_sw_minor_faults(), "faults"),
    "MAJOR-FAULTS": (lrd_perf_sw_major_faults(), "faults"),
    "CONTEXT-SWITCHES": (lrd_perf_sw_context_switches(), "switches"),
    "CS": (lrd_perf_sw_context_switches(), "switches"),
    "CPU-MIGRATIONS": (lrd_perf_sw_cpu_migrations(), "migrations"),
    "MIGRATIONS": (lrd_perf_sw_cpu_migrations(), "migrations"),
  ]

  /// The software event a `perf::NAME` event name denotes, if this backend knows it.
  static func lookup(_ name: String) -> (config: UInt64, unit: String)? {
    let upper = name.uppercased()
    guard upper.hasPrefix("PERF::") else { return nil }
    var key = String(upper.dropFirst(6))
    if let colon = key.firstIndex(of: ":") { key = String(key[..<colon]) }  // drop modifiers like :u
    key = key.replacingOccurrences(of: "PERF_COUNT_SW_", with: "").replacingOccurrences(of: "_", with: "-")
    return events[key]
  }

  let name: String
  let unit: String
  private var descriptors: [Int32] = []

  /// Opens the event on every thread in `threads`.
  ///
  /// Throws the errno reason if any open fails.
  init(name: String, config: UInt64, unit: String, threads: [Int32]) throws(CounterError) {
    self.name = name
    self.unit = unit
    for tid in threads {
      let fd = lrd_perf_open_software(config, tid)
      if fd < 0 {
        // A thread that exited since it was listed is not an error; anything else is.
        if -fd == ESRCH { continue }
        throw CounterError.unavailable(
          event: name, reason: "perf_event_open: \(String(cString: strerror(-fd)))")
      }
      descriptors.append(fd)
    }
    if descriptors.isEmpty {
      throw CounterError.unavailable(event: name, reason: "perf_event_open: no thread to count")
    }
  }

  deinit {
    for fd in descriptors { close(fd) }
  }

  func start() {
    for fd in descriptors {
      _ = lrd_perf_reset(fd)
      _ = lrd_perf_enable(fd)
    }
  }

  func stop() {
    for fd in descriptors { _ = lrd_perf_disable(fd) }
  }

  /// The sum over threads since `start` (scaled by enabled/running time if ever descheduled).
  func read() -> Double {
    var total = 0.0
    for fd in descriptors {
      var value: UInt64 = 0
      var enabled: UInt64 = 0
      var running: UInt64 = 0
      guard lrd_perf_read(fd, &value, &enabled, &running) == 0 else { continue }
      total +=
        running > 0 && running < enabled ? Double(value) * Double(enabled) / Double(running) : Double(value)
    }
    return total
  }
}
