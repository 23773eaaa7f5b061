import SystemPackage

/// What can go wrong with result files and run directories, each with the path and the fix.
package enum ResultsError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A system call failed on `path` (`operation` says what was being done).
  case io(path: String, operation: String, errno: Errno)
  /// An option that takes a path was given an empty one.
  case emptyPath(option: String)
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
    case .emptyPath(let option):
      return "\(option) needs a directory path; an empty one is not accepted"
    case .locked(let path, let holder):
      return "\(path) is in use by another lrd-bench run (\(holder)); wait for it or choose another directory"
    case .occupied(let path, let kind, let differences):
      if differences.isEmpty {
        return
          "\(path) already holds this \(kind); continue it with --resume \(path), or choose another --out"
      }
      return "\(path) already holds a different \(kind) (" + differences.prefix(6).joined(separator: "; ")
        + (differences.count > 6 ? "; …" : "")
        + "); choose another --out, or continue that run with --resume \(path)"
    case .notEmpty(let path):
      return
        "--out \(path) is a non-empty directory that is not an lrd-bench run; choose a new or empty directory"
    case .notARun(let path, let reason):
      return "--resume \(path): \(reason)"
    case .wrongKind(let path, let expected, let found):
      return
        "--resume \(path) holds a \(found) run, not a \(expected); continue it with: lrd-bench \(found) --resume \(path)"
    case .corrupt(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .foreignJournal(let path):
      return "\(path) was written for a different plan than the directory's; it cannot be resumed"
    }
  }
}
