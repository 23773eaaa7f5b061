import ArgumentParser
import Foundation
import Store
import Suites

struct BaselineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "baseline",
    abstract: "Mark the run (or, for A/B nightlies, the commit) later runs are compared with, or show them.",
    subcommands: [Set.self, Commit.self, Show.self])

  struct Commit: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Record COMMIT (default HEAD) as this machine's baseline commit: the base of the nightly A/B run.")

    @Argument(
      help: ArgumentHelp(
        "A commit, branch or tag of the repository here.", valueName: "commit"))
    var target: String = "HEAD"

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Create the store when it does not exist yet (the first night).")
    var create = false

    func run() throws {
      try guarded {
        let store = try storeOptions.open(create ? .create : .write)
        let key = try storeOptions.machineKey()
        guard
          case .commit(let commit) = try BaseBuild.resolve(
            target, repository: FileManager.default.currentDirectoryPath)
        else { throw ABError.unknownBuild(target, repository: FileManager.default.currentDirectoryPath) }
        try store.setBaselineCommit(commit, machine: key)
        emit("baseline commit of \(key): \(commit)\n")
      }
    }
  }

  struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Make RUN (default latest) the baseline of its machine key.")

    @Argument(help: ArgumentHelp("A run id, label, latest or previous.", valueName: "run"))
    var target: String = "latest"

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      try guarded {
        let store = try storeOptions.open(.write)
        let record = try store.resolve(target, machine: try storeOptions.machineKey())
        guard record.status == .complete else {
          throw StoreError.invalid(
            "run #\(record.id) is incomplete (interrupted); a baseline must be a complete run")
        }
        guard try !store.points(of: record.id).isEmpty else {
          throw StoreError.invalid(
            "run #\(record.id) holds no point; a baseline must have measured something")
        }
        try store.setBaseline(record)
        emit("baseline of \(record.machineKey): run \(record.title)\n")
      }
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print this machine's key and its baseline run (and every run of the machine).")

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      try guarded {
        let store = try storeOptions.open(.read)
        let key = try storeOptions.machineKey()
        var lines = ["machine key: \(key)"]
        do {
          lines.append("baseline: run \(try store.baseline(machine: key).title)")
        } catch StoreError.noBaseline {
          lines.append("baseline: none (set one with lrd-bench baseline set [RUN])")
        }
        lines.append(
          "baseline commit (nightly A/B): "
            + (try store.baselineCommit(machine: key)
              ?? "none (set one with lrd-bench baseline commit [COMMIT])"))
        let runs = try store.runs(machine: key)
        lines.append("runs of this machine: \(runs.count)")
        for run in runs.suffix(20) {
          lines.append("  \(run.title) \(run.status.rawValue), commit \(run.commit.prefix(12))")
        }
        emit(lines.joined(separator: "\n") + "\n")
      }
    }
  }
}
