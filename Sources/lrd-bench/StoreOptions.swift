import ArgumentParser
import Machine
import Store

/// `--store` and `--machine`, shared by the commands that read or write the results store.
struct StoreOptions: ParsableArguments {
  @Option(
    help:
      "The results store, an SQLite file (default results/lrd-bench.sqlite; only run and ab create a missing one)."
  )
  var store: String?

  @Option(
    help:
      "Machine key whose runs 'latest', 'previous' and 'baseline' refer to (default: this machine's; see lrd-bench baseline show)."
  )
  var machine: String?

  /// Opens the store: `.read` for commands that only read it, `.create` for those that record runs.
  func open(_ access: ResultStore.Access) throws -> ResultStore {
    try ResultStore(path: store ?? ResultStore.defaultPath, access: access)
  }

  /// The machine key to resolve run names with: --machine, or this machine's.
  func machineKey() throws -> String {
    if let machine { return machine }
    return MachineKey.make(topology: try Topology().summary, cpu: CPUFeatures.current)
  }
}
