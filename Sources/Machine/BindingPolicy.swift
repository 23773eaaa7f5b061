/// How BLAS threads are placed on the machine.
package enum BindingPolicy: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// No pinning: the process may run on every PU; the OS schedules threads.
  case none
  /// Thread i on the first PU of core i (neighbouring cores share caches first).
  case compact
  /// Threads spread over packages, caches and cores as far apart as possible (hwloc_distrib).
  case scatter

  /// The policy as `--bind` spells it.
  package var description: String { rawValue }
}
