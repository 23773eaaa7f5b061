import Tensors

/// A run's plan that records the kernel backend it measures on, so `--resume` measures on the same one and
/// a directory is never reused for another backend.
package protocol BackendPlanned: Codable {
  /// The backend (nil in plans written before backends were recorded: OpenBLAS).
  var backend: GEMMBackend? { get set }
  /// The backend as `--backend` spells it (`all` for a sweep of every backend).
  var backendLabel: String { get }
}

extension BackendPlanned {
  /// The backend the plan measures on.
  package var measuredBackend: GEMMBackend { backend ?? .openblas }
  /// The backend as `--backend` spells it.
  package var backendLabel: String { measuredBackend.rawValue }
}

/// A plan that can also run on every backend (`--backend all`): one child run per backend.
package protocol MultiBackendPlanned: BackendPlanned {
  /// The backends run one after the other, each in its own child run directory (`backend` is then nil);
  /// nil for a single-backend run.
  var backends: [GEMMBackend]? { get set }
}

extension MultiBackendPlanned {
  /// `all` for a run of every backend, else the backend's name.
  package var backendLabel: String { backends == nil ? measuredBackend.rawValue : "all" }

  /// This plan measured on `backend` alone (a child of a `--backend all` run).
  package func on(_ backend: GEMMBackend) -> Self {
    var single = self
    single.backends = nil
    single.backend = backend
    return single
  }
}

extension SweepPlan: MultiBackendPlanned {}
extension BranchesPlan: BackendPlanned {}
extension TablePlan: BackendPlanned {}

extension RanksPlan: MultiBackendPlanned {}
