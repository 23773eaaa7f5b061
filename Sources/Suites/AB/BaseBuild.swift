import Foundation

/// Where a build under comparison comes from: an lrd-bench executable, or a git commit built into its own
/// scratch path.
///
/// A commit is checked out with `git worktree add --detach` into `<cache>/<commit>/src` and built there with
/// `swift build -c release` (scratch path `<cache>/<commit>/src/.build`, so the binary reports its own
/// commit); the binary is reused while it exists (cached by commit). The build log is
/// `<cache>/<commit>/build.log`.
package enum BaseBuild {
  /// What a `--base`/`--new` text resolved to.
  package enum Source: Equatable, Sendable {
    case executable(String)
    /// A full commit hash of the repository.
    case commit(String)
  }

  /// Resolves `text`: an executable file, else a commit, branch or tag of the repository at `repository`.
  package static func resolve(_ text: String, repository: String) throws -> Source {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: text, isDirectory: &isDirectory), !isDirectory.boolValue {
      guard FileManager.default.isExecutableFile(atPath: text) else {
        throw ABError.notAWorker(path: text, detail: "it is not executable")
      }
      return .executable(URL(fileURLWithPath: text).standardizedFileURL.path)
    }
    guard !text.hasPrefix("-"),
      let (status, out) = try? run(
        "/usr/bin/git", ["-C", repository, "rev-parse", "--verify", "--quiet", "\(text)^{commit}"]),
      status == 0
    else { throw ABError.unknownBuild(text, repository: repository) }
    return .commit(out.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// The release binary of `commit`, building it when it is not cached; `progress` hears what is done.
  package static func binary(
    commit: String, repository: String, cache: String, progress: (String) -> Void
  ) throws -> String {
    let directory = URL(fileURLWithPath: cache).appendingPathComponent(commit).standardizedFileURL.path
    let source = directory + "/src"
    let scratch = source + "/.build"  // inside the worktree, so the binary finds its own commit
    let binary = scratch + "/release/lrd-bench"
    if FileManager.default.isExecutableFile(atPath: binary) { return binary }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let log = directory + "/build.log"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    if !FileManager.default.fileExists(atPath: source + "/Package.swift") {
      progress("checking out \(commit.prefix(12)) into \(source)")
      _ = try? run("/usr/bin/git", ["-C", repository, "worktree", "prune"])
      let (status, out) = try run(
        "/usr/bin/git", ["-C", repository, "worktree", "add", "--detach", "--force", source, commit])
      append(log, "$ git worktree add --detach \(source) \(commit)\n" + out)
      guard status == 0 else { throw ABError.buildFailed(commit: commit, log: log) }
    }
    progress("building \(commit.prefix(12)) (swift build -c release; log \(log))")
    let swift = ProcessInfo.processInfo.environment["SWIFT"] ?? "swift"
    let (status, out) = try run(
      "/usr/bin/env", [swift, "build", "-c", "release", "--package-path", source, "--scratch-path", scratch])
    append(log, "$ swift build -c release --scratch-path \(scratch)\n" + out)
    guard status == 0, FileManager.default.isExecutableFile(atPath: binary) else {
      throw ABError.buildFailed(commit: commit, log: log)
    }
    return binary
  }

  static func append(_ path: String, _ text: String) {
    guard let handle = FileHandle(forWritingAtPath: path) else { return }
    handle.seekToEndOfFile()
    handle.write(Data(text.utf8))
    try? handle.close()
  }

  /// Runs `executable` with `arguments`; its exit status and its stdout and stderr together.
  static func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
