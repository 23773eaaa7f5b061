import CCallgrind

/// Callgrind's client requests: count instructions of a chosen region when the process runs under
/// `valgrind --tool=callgrind --instr-atstart=no`; no-ops otherwise.
package enum Callgrind {
  /// True when the process runs under valgrind.
  package static var isActive: Bool { lrd_running_on_valgrind() != 0 }

  /// Counts the instructions of `body` only: starts instrumentation, zeroes the counters, runs `body`, stops;
  /// callgrind writes the counts when the process exits.
  package static func count(_ body: () -> Void) {
    lrd_callgrind_start()
    lrd_callgrind_zero_stats()
    body()
    lrd_callgrind_stop()
  }
}
