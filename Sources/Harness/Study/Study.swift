import Machine
import Results
import Tensors

/// A study: a plan measured into a resumable run directory, giving a typed result.
///
/// Every study runs the same way (`lrd-bench`'s study driver does it once for all of them): make the plan or
/// read the saved one, `validate` it exactly as the command line is validated, `checkMemory`, establish the
/// OpenBLAS core and switch to the plan's kernel backend, create (or lock) the directory, `run`, write the
/// reports. A study measures only what its directory's journal lacks, so an interrupted run continues where
/// it stopped.
package protocol Study {
  /// What defines the study; saved as `planFile` in the run directory.
  associatedtype Plan: BackendPlanned & Sendable
  /// What the study measured.
  associatedtype Result: StudyResult

  /// The run kind recorded in `run.json` ("sweep", "ranks", "branches", "table").
  static var kind: String { get }
  /// The plan's file name inside the run directory.
  static var planFile: String { get }
  /// The name of a new run directory for `plan` (the default `--out` is `results/<kind>/<name>-<time>`).
  static func directoryName(for plan: Plan) -> String
  /// Checks every field of `plan` as the command line would (a resumed plan may have been edited) on a
  /// machine with `cores` physical cores.
  static func validate(_ plan: Plan, cores: Int) throws
  /// Refuses a plan whose programs would not fit in this machine's memory.
  static func checkMemory(_ plan: Plan) throws
  /// The brief timing of the original on every kernel library that runs before measuring, unless the user
  /// skips it (nil: this study has none for `plan`).
  static func backendCheck(_ plan: Plan, in context: StudyContext) -> (() throws -> BackendCheck)?
  /// Measures what `context.directory`'s journal lacks and returns the whole result.
  static func run(_ plan: Plan, in context: StudyContext) throws -> Result
}

extension Study {
  /// No backend check.
  package static func backendCheck(_ plan: Plan, in context: StudyContext) -> (() throws -> BackendCheck)? {
    nil
  }
}

/// A study that can also run on every kernel backend (`--backend all`): one child run per backend, each a
/// complete run of the study in `<out>/<backend>/`.
package protocol MultiBackendStudy: Study where Plan: MultiBackendPlanned {}

/// What every study's result says about itself.
package protocol StudyResult: Sendable {
  /// True when the run was interrupted: the result is partial and `--resume` continues it.
  var interrupted: Bool { get }
  /// The backend check made before measuring (nil when skipped or when the study has none).
  var backendCheck: BackendCheck? { get set }
}

/// Where a study runs: its run directory, the machine, where progress goes, and the kernel backend the
/// process measures on.
package struct StudyContext {
  /// The run directory (plan, journal, reports).
  package var directory: RunDirectory
  /// The machine's topology, for binding threads.
  package var topology: Topology
  /// Progress and diagnostics.
  package var events: EventSink
  /// The kernel backend the process measures on (the driver switches to it before `run`).
  package var backend: GEMMBackend
  /// A label prefixed to progress phases ("[onednn]" in a child of a `--backend all` run).
  package var phase: String

  /// A context in `directory` for `backend`.
  package init(
    directory: RunDirectory, topology: Topology, events: @escaping EventSink, backend: GEMMBackend,
    phase: String = ""
  ) {
    self.directory = directory
    self.topology = topology
    self.events = events
    self.backend = backend
    self.phase = phase
  }

  /// The context of a child study in `directory`, its progress labelled `phase`.
  package func child(_ directory: RunDirectory, phase: String) -> StudyContext {
    var copy = self
    copy.directory = directory
    copy.phase = phase
    return copy
  }
}

/// A child study run inside another study's directory (a `ranks` study's sweeps, a `table`'s quick ranks
/// study) and its result, so the parent's reports can write the child's own.
package struct ChildRun<Result: Sendable>: Sendable {
  /// The child's run directory.
  package var directory: RunDirectory
  package var result: Result

  /// The child measured in `directory`.
  package init(directory: RunDirectory, result: Result) {
    self.directory = directory
    self.result = result
  }
}
