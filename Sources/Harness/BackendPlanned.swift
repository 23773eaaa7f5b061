import Tensors

/// A run's plan that records the kernel backend it measures on, so `--resume` measures on the same one and
/// a directory is never reused for another backend.
public protocol BackendPlanned: Codable {
  /// The backend (nil in plans written before backends were recorded: OpenBLAS).
  var backend: GEMMBackend? { get set }
  /// The backend as `--backend` spells it (`all` for a sweep of every backend).
  var backendLabel: String { get }
}

extension BackendPlanned {
  /// The backend the plan measures on.
  public var measuredBackend: GEMMBackend { backend ?? .openblas }
  /// The backend as `--backend` spells it.
  public var backendLabel: String { measuredBackend.rawValue }
}

extension SweepPlan: BackendPlanned {
  /// `all` for a sweep of every backend, else the backend's name.
  public var backendLabel: String { backends == nil ? measuredBackend.rawValue : "all" }
}
extension BranchesPlan: BackendPlanned {}
extension TablePlan: BackendPlanned {}

extension RanksPlan: BackendPlanned {
  /// `all` for a study of every backend, else the backend's name.
  public var backendLabel: String { backends == nil ? measuredBackend.rawValue : "all" }
}
