import ArgumentParser
import Harness
import Machine
import Profiling
import Reports
import Results
import Tensors

/// Runs every study the same way, in the order that keeps bad input from leaving anything behind: make the
/// plan (or read the saved one with --resume), validate it exactly as command-line options are validated,
/// check its memory, establish the BLAS core (which may restart the process) and the plan's kernel backend,
/// and only then create (or lock) the run directory; then the backend check, the study, its reports, the
/// summary on stdout and the exit status (130 when interrupted).
struct StudyDriver<S: ReportedStudy> {
  let output: RunDirectoryOptions
  let blasCore: BLASCoreOptions
  /// `--backend` as given (nil when not given): a resumed run measures on its plan's backend and refuses
  /// another.
  let requestedBackend: String?
  /// `--no-backend-check` (nil for a command without a backend check).
  var backendCheck: BackendCheckOptions?

  /// Runs the study on the plan's backend; `summary` formats stdout (default: the study's Markdown).
  func run(make: (_ cores: Int) throws -> S.Plan, summary: ((S.Result) throws -> String)? = nil) throws {
    let (context, plan, bar) = try start(make: make)
    precondition(
      (plan as? any MultiBackendPlanned)?.backends == nil, "a run of every backend goes through runOnBackends"
    )
    try runSingle(plan, in: context, bar: bar, summary: summary)
  }

  /// The plan, validated, in its directory, with the process on its core and backend.
  func start(make: (_ cores: Int) throws -> S.Plan) throws -> (StudyContext, S.Plan, ProgressBar) {
    let topology = try Topology()
    let cores = topology.summary.coreCount
    var plan =
      try output.resume.map {
        try RunDirectory.savedPlan($0, kind: S.kind, planFile: S.planFile, as: S.Plan.self)
      } ?? make(cores)
    if output.resume == nil && plan.backendLabel != "all" {
      // A new run records its backend: --backend, else the one in use ($LRD_BENCH_BACKEND's).
      plan.backend = requestedBackend.flatMap(GEMMBackend.init(rawValue:)) ?? BLAS.backend
    }
    if let resume = output.resume, let requestedBackend, requestedBackend != plan.backendLabel {
      throw ValidationError(
        "--backend \(requestedBackend) differs from the backend of \(resume) (\(plan.backendLabel)); "
          + "resume without --backend")
    }
    try S.validate(plan, cores: cores)
    try S.checkMemory(plan)
    try blasCore.establish()
    try BLAS.use(plan.measuredBackend)
    let directory =
      try output.resume.map {
        try RunDirectory.resume($0, kind: S.kind, planFile: S.planFile, as: S.Plan.self).directory
      }
      ?? RunDirectory.create(
        at: output.out, kind: S.kind, name: S.directoryName(for: plan), planFile: S.planFile, plan: plan)
    Interruption.install()
    let bar = ProgressBar(quiet: output.quiet)
    return (
      StudyContext(directory: directory, topology: topology, events: bar.sink, backend: plan.measuredBackend),
      plan, bar
    )
  }

  /// One run: backend check, study, reports, summary, exit status.
  func runSingle(
    _ plan: S.Plan, in context: StudyContext, bar: ProgressBar, summary: ((S.Result) throws -> String)?
  ) throws {
    let check = try S.backendCheck(plan, in: context).flatMap {
      try backendCheck?.run(quiet: output.quiet, $0)
    }
    var result = try S.run(plan, in: context)
    result.backendCheck = check
    bar.finish()
    try S.writeReports(result, to: context.directory)
    emit(try summary?(result) ?? S.markdown(result))
    try finish(context.directory, files: S.reportFiles, interrupted: result.interrupted)
  }

  /// The closing lines: where the results are, and how to continue an interrupted run (exit 130).
  func finish(_ directory: RunDirectory, files: String, interrupted: Bool) throws {
    printError("results: \(directory.path)/\(files)")
    if interrupted {
      printError("interrupted: continue with  lrd-bench \(S.kind) --resume \(directory.path)")
      throw ExitCode(130)
    }
  }
}

extension StudyDriver where S: MultiBackendReportedStudy {
  /// Runs the study on the plan's backend, or with `--backend all` once per backend and compares them.
  ///
  /// Each backend runs in its own child run directory (`<out>/<backend>/`, journaled and resumable like any
  /// run of the study). Backends are measured in separate runs, so comparisons across them are unpaired:
  /// each backend's times come with their own original measured in the same run.
  func runOnBackends(
    make: (_ cores: Int) throws -> S.Plan, summary: ((S.Result) throws -> String)? = nil,
    backendsSummary: (([S.Result]) throws -> String)? = nil
  ) throws {
    let (context, plan, bar) = try start(make: make)
    guard let backends = plan.backends else {
      return try runSingle(plan, in: context, bar: bar, summary: summary)
    }
    var results: [S.Result] = []
    for backend in backends {
      if Interruption.isRequested { break }
      try BLAS.use(backend)
      let single = plan.on(backend)
      let child = try context.directory.child(
        backend.rawValue, kind: S.kind, planFile: S.planFile, plan: single)
      var childContext = context.child(child, phase: "[\(backend)]")
      childContext.backend = backend
      let result = try S.run(single, in: childContext)
      try S.writeReports(result, to: child)
      results.append(result)
      if result.interrupted { break }
    }
    bar.finish()
    try S.writeBackendsReports(results, to: context.directory)
    emit(try backendsSummary?(results) ?? S.backendsMarkdown(results))
    try finish(
      context.directory, files: S.backendsReportFiles,
      interrupted: results.contains(where: \.interrupted) || results.count < backends.count)
  }
}
