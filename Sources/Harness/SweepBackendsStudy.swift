import Profiling
import Results
import Tensors

/// `sweep --backend all`: the same rank sweep on every kernel backend, one after the other, each in its own
/// child run directory (`<out>/<backend>/`, journaled and resumable like any sweep), so each backend's
/// rank cliffs and policy decisions can be compared.
///
/// Backends are measured in separate runs (a layer program is built for one backend), so comparisons
/// across backends are unpaired: each backend's times come with their own original T measured in the
/// same run.
public final class SweepBackendsStudy {
  /// The plan with `backends` set.
  public let plan: SweepPlan
  /// The parent directory; each backend's sweep goes into a child named after it.
  public let directory: RunDirectory
  /// The machine's topology, for binding threads.
  public let topology: Topology
  let events: EventSink
  /// Called with each finished sweep and its directory (the CLI writes the sweep's reports there).
  let onSweep: (SweepResult, RunDirectory) throws -> Void

  /// A study over `plan` in `directory`, reporting through `events`.
  public init(
    plan: SweepPlan, directory: RunDirectory, topology: Topology, events: @escaping EventSink,
    onSweep: @escaping (SweepResult, RunDirectory) throws -> Void
  ) {
    self.plan = plan
    self.directory = directory
    self.topology = topology
    self.events = events
    self.onSweep = onSweep
  }

  /// The plan of one backend's sweep.
  public static func plan(_ plan: SweepPlan, on backend: GEMMBackend) -> SweepPlan {
    var single = plan
    single.backends = nil
    single.backend = backend
    return single
  }

  /// Sweeps every backend not yet finished and returns the sweeps in the plan's backend order (stopping
  /// after an interrupted one).
  public func run() throws -> [SweepResult] {
    var results: [SweepResult] = []
    for backend in plan.backends ?? [plan.measuredBackend] {
      if Interruption.isRequested { break }
      do {
        try BLAS.use(backend)
      } catch {
        throw HarnessError.invalidOption("\(error)")
      }
      let single = Self.plan(plan, on: backend)
      let child = try directory.child(backend.rawValue, kind: "sweep", planFile: "plan.json", plan: single)
      let result = try SweepRunner(plan: single, directory: child, topology: topology, events: events)
        .run(phase: "[\(backend)]")
      try onSweep(result, child)
      results.append(result)
      if result.interrupted { break }
    }
    return results
  }
}
