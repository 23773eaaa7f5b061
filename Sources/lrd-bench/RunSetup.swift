import ArgumentParser
import Harness
import Results
import Tensors

/// How a command that writes a run directory starts, in the order that keeps bad input from leaving
/// anything behind: make the plan (or read the saved one with --resume), validate it exactly as
/// command-line options are validated, check its memory, establish the BLAS core (which may restart
/// the process) and the plan's kernel backend, and only then create (or lock) the directory.
struct RunSetup<Plan: BackendPlanned> {
  let kind: String
  let planFile: String
  let output: RunDirectoryOptions
  let blasCore: BLASCoreOptions
  /// `--backend` as given (nil when not given): a resumed run measures on its plan's backend and refuses
  /// another.
  let requestedBackend: String?

  /// The directory and plan, ready to measure.
  func open(
    name: (Plan) -> String, make: () throws -> Plan, check: (Plan) throws -> Void
  ) throws -> (directory: RunDirectory, plan: Plan) {
    var plan =
      try output.resume.map { try RunDirectory.savedPlan($0, kind: kind, planFile: planFile, as: Plan.self) }
      ?? make()
    if output.resume == nil && plan.backendLabel != "all" {
      // A new run records its backend: --backend, else the one in use ($LRD_BENCH_BACKEND's).
      plan.backend = requestedBackend.flatMap(GEMMBackend.init(rawValue:)) ?? BLAS.backend
    }
    if let resume = output.resume, let requestedBackend, requestedBackend != plan.backendLabel {
      throw ValidationError(
        "--backend \(requestedBackend) differs from the backend of \(resume) (\(plan.backendLabel)); "
          + "resume without --backend")
    }
    try check(plan)
    try blasCore.establish()
    try BLAS.use(plan.measuredBackend)
    if let resume = output.resume {
      return (try RunDirectory.resume(resume, kind: kind, planFile: planFile, as: Plan.self).directory, plan)
    }
    return (
      try RunDirectory.create(at: output.out, kind: kind, name: name(plan), planFile: planFile, plan: plan),
      plan
    )
  }
}
