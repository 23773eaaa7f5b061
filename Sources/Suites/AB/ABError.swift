import Support

/// Why an A/B run cannot go on; each case carries the values a message needs.
package enum ABError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The base (or new) is neither an executable file nor a git commit of the repository.
  case unknownBuild(String, repository: String)
  /// A base commit did not build; the log has the compiler's output.
  case buildFailed(commit: String, log: String)
  /// The executable did not start as a worker or did not say hello (not an lrd-bench binary, or one
  /// from before A/B runs existed).
  case notAWorker(path: String, detail: String)
  /// The worker speaks another protocol version.
  case protocolMismatch(path: String, found: Int, expected: Int)
  /// A worker died or stopped answering (after its one restart).
  case workerFailed(path: String, detail: String)
  /// The two builds share no case of the suite.
  case nothingInCommon(suite: String)
  /// An A/B run's stored settings do not allow resuming it.
  case cannotResume(String)

  /// What is wrong and how to fix it.
  package var description: String {
    switch self {
    case .unknownBuild(let text, let repository):
      return "'\(text)' is neither an executable file nor a commit of the git repository at \(repository); "
        + "give a path to an lrd-bench binary or a commit, branch or tag"
    case .buildFailed(let commit, let log):
      return "the base commit \(commit) does not build (swift build -c release); see the build log \(log)"
    case .notAWorker(let path, let detail):
      return
        "\(path) did not start as an lrd-bench worker (\(detail)); give an lrd-bench binary built from a "
        + "commit that has `lrd-bench ab` (protocol \(WorkerProtocol.version))"
    case .protocolMismatch(let path, let found, let expected):
      return "\(path) speaks worker protocol \(found), this build speaks \(expected); build both sides from "
        + "commits with the same protocol"
    case .workerFailed(let path, let detail):
      return "the worker \(path) failed: \(detail)"
    case .nothingInCommon(let suite):
      return "the two builds share no case of \(suite): nothing to compare"
    case .cannotResume(let reason):
      return "cannot resume: \(reason)"
    }
  }

  /// Whether the error is the user's input (exit 64) rather than a failure while running (exit 1).
  package var isBadInput: Bool {
    switch self {
    case .unknownBuild, .notAWorker, .protocolMismatch, .nothingInCommon, .cannotResume: return true
    case .buildFailed, .workerFailed: return false
    }
  }
}
