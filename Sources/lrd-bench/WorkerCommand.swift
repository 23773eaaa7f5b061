import ArgumentParser
import Foundation
import Machine
import Suites

#if canImport(Glibc)
  import Glibc
#endif

/// The worker process of an A/B run: `lrd-bench ab` starts one per build and talks to it over JSON lines.
struct WorkerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worker",
    abstract:
      "Serve measurements to lrd-bench ab over JSON lines on stdin/stdout (started by ab; not for users).",
    shouldDisplay: false)

  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backend: BackendOptions

  func run() throws {
    try guarded {
      // Ctrl-C reaches the whole process group: the controller stops its workers itself.
      signal(SIGINT, SIG_IGN)
      try blasCore.establish()
      try backend.establish()
      let server = WorkerServer(
        topology: try Topology(), version: LRDBench.version, commit: GitInfo.commit(),
        build: MachineFingerprint.buildConfiguration)
      server.serve(
        read: { Swift.readLine(strippingNewline: true) },
        write: { line in
          FileHandle.standardOutput.write(Data((line + "\n").utf8))
        })
    }
  }
}
