import ArgumentParser
import Store

struct BaselineCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "baseline",
    abstract: "Mark the run later runs are compared with (one per machine key), or show it.",
    subcommands: [Set.self, Show.self])

  struct Set: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Make RUN (default latest) the baseline of its machine key.")

    @Argument(help: ArgumentHelp("A run id, label, latest or previous (default latest).", valueName: "run"))
    var target: String = "latest"

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
      try guarded {
        let store = try storeOptions.open()
        let record = try store.resolve(target, machine: try storeOptions.machineKey())
        guard record.status == .complete else {
          throw StoreError.invalid(
            "run #\(record.id) is incomplete (interrupted); a baseline must be a complete run")
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
        let store = try storeOptions.open()
        let key = try storeOptions.machineKey()
        var lines = ["machine key: \(key)"]
        do {
          lines.append("baseline: run \(try store.baseline(machine: key).title)")
        } catch StoreError.noBaseline {
          lines.append("baseline: none (set one with lrd-bench baseline set [RUN])")
        }
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
