import Profiling
import Results

/// How a command that writes a run directory starts, in the order that keeps bad input from leaving
/// anything behind: make the plan (or read the saved one with --resume), validate it exactly as
/// command-line options are validated, check its memory, establish the BLAS core (which may restart
/// the process) and the GEMM backend, and only then create (or lock) the directory.
struct RunSetup<Plan: Codable> {
  let kind: String
  let planFile: String
  let output: RunDirectoryOptions
  let blasCore: BLASCoreOptions
  let backend: BackendOptions

  /// The directory and plan, ready to measure.
  func open(
    name: (Plan) -> String, make: () throws -> Plan, check: (Plan) throws -> Void
  ) throws -> (directory: RunDirectory, plan: Plan) {
    let plan =
      try output.resume.map { try RunDirectory.savedPlan($0, kind: kind, planFile: planFile, as: Plan.self) }
      ?? make()
    try check(plan)
    try blasCore.establish()
    try backend.establish()
    if let resume = output.resume {
      return (try RunDirectory.resume(resume, kind: kind, planFile: planFile, as: Plan.self).directory, plan)
    }
    return (
      try RunDirectory.create(at: output.out, kind: kind, name: name(plan), planFile: planFile, plan: plan),
      plan
    )
  }
}
