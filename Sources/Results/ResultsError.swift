import Support
import SystemPackage

/// What can go wrong with result files and run directories, each with the path and the fix.
package enum ResultsError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// A system call failed on `path` (`operation` says what was being done).
  case io(path: String, operation: String, errno: Errno)
  /// A run directory path (to create or to resume) is empty.
  case emptyPath(RunPath)
  /// Another lrd-bench process holds the directory's lock.
  case locked(path: String, holder: String)
  /// `--out` names a directory that already holds a run.
  case occupied(path: String, kind: String, differences: [String])
  /// `--out` names a non-empty directory that is not a run directory.
  case notEmpty(path: String)
  /// `--resume` names something that is not a run directory of the expected kind.
  case notARun(path: String, reason: String)
  case wrongKind(path: String, expected: String, found: String)
  /// A file could not be decoded.
  case corrupt(path: String, reason: String)
  /// A journal belongs to another plan.
  case foreignJournal(path: String)
  /// A run's plan file was edited after the run began (the changed fields, "field: was → now").
  case alteredPlan(path: String, differences: [String])
  /// A directory to create lies below `file`, which is not a directory.
  case fileInPath(path: String, file: String)
  /// An output file path is empty.
  case emptyOutputFile
  /// An output path names something that is neither a regular file, a character device nor a FIFO
  /// (`type` says what it is).
  case notAnOutputFile(path: String, type: String)
  /// An output file's directory does not exist (it is never created).
  case missingDirectory(path: String, directory: String)

  /// The message printed for this error: the path, what failed and how to fix it.
  package var description: String {
    switch self {
    case .io(let path, let operation, let errno):
      switch errno {
      case .noSpace: return "disk full: cannot \(operation) \(path)"
      case .readOnlyFileSystem, .permissionDenied, .notPermitted:
        return "not writable: cannot \(operation) \(path) (\(errno.description)); choose a writable directory"
      case .isDirectory: return "cannot \(operation) \(path): it is a directory"
      case .notDirectory: return "cannot \(operation) \(path): a part of the path is not a directory"
      default: return "cannot \(operation) \(path): \(errno.description)"
      }
    case .emptyPath(let role):
      return "the \(role.rawValue) directory needs a path; an empty one is not accepted"
    case .locked(let path, let holder):
      return "\(path) is in use by another lrd-bench run (\(holder)); wait for it or choose another directory"
    case .occupied(let path, let kind, let differences):
      if differences.isEmpty {
        return "\(path) already holds this \(kind); resume it, or choose another directory"
      }
      return "\(path) already holds a different \(kind) (" + differences.prefix(6).joined(separator: "; ")
        + (differences.count > 6 ? "; …" : "")
        + "); choose another directory, or resume that run"
    case .notEmpty(let path):
      return "\(path) is a non-empty directory that is not an lrd-bench run; choose a new or empty directory"
    case .notARun(let path, let reason):
      return "\(path): \(reason)"
    case .wrongKind(let path, let expected, let found):
      return "\(path) holds a \(found) run, not a \(expected)"
    case .corrupt(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .foreignJournal(let path):
      return "\(path) was written for a different plan than the directory's; it cannot be resumed"
    case .alteredPlan(let path, let differences):
      return "\(path) was changed after the run began (" + differences.prefix(6).joined(separator: "; ")
        + (differences.count > 6 ? "; …" : "")
        + "); a run continues only with the plan it began with: restore the file, or start a new run"
    case .fileInPath(let path, let file):
      return "cannot create the directory \(path): \(file) is a file, not a directory; choose another path"
    case .emptyOutputFile:
      return "an output file needs a path (or - for standard output); an empty one is not accepted"
    case .notAnOutputFile(let path, let type):
      return
        "cannot write \(path): it is \(type); name a regular file, a device such as /dev/stdout, a FIFO or -"
    case .missingDirectory(let path, let directory):
      return "cannot write \(path): the directory \(directory) does not exist; create it first"
    }
  }

  /// Whether this case is bad input (exit 64) rather than a failure (exit 1).
  package var isBadInput: Bool {
    switch self {
    case .emptyPath, .occupied, .notEmpty, .notARun, .wrongKind, .emptyOutputFile, .notAnOutputFile,
      .missingDirectory, .alteredPlan, .fileInPath:
      return true
    case .io, .locked, .corrupt, .foreignJournal: return false
    }
  }
}

/// Which run directory path a command was given.
package enum RunPath: String, Sendable, Equatable {
  /// The directory a new run is created in.
  case output
  /// The directory of a run to continue.
  case resume
}
