import Profiling
import Results
import Tensors

/// `--backend all` for the studies that sweep ranks (`sweep`, `ranks`): the same study on every kernel
/// backend, one after the other, each in its own child run directory (`<out>/<backend>/`, journaled and
/// resumable like any run of that kind), so each backend's rank cliffs and decisions can be compared.
///
/// Backends are measured in separate runs (a layer program is built for one backend), so comparisons
/// across backends are unpaired: each backend's times come with their own original T measured in the
/// same run.
package enum PerBackendRuns {
  /// Runs `body` once per backend (switching the process to it first) in the child `<backend>` of
  /// `directory` holding `plan(backend)`, in order, stopping after an interrupted run or on Ctrl-C.
  package static func run<Plan: Encodable, Result>(
    _ backends: [GEMMBackend], in directory: RunDirectory, kind: String, planFile: String,
    plan: (GEMMBackend) -> Plan, interrupted: (Result) -> Bool,
    body: (GEMMBackend, Plan, RunDirectory) throws -> Result
  ) throws -> [Result] {
    var results: [Result] = []
    for backend in backends {
      if Interruption.isRequested { break }
      do {
        try BLAS.use(backend)
      } catch {
        throw HarnessError.invalidOption("\(error)")
      }
      let single = plan(backend)
      let child = try directory.child(backend.rawValue, kind: kind, planFile: planFile, plan: single)
      let result = try body(backend, single, child)
      results.append(result)
      if interrupted(result) { break }
    }
    return results
  }
}
