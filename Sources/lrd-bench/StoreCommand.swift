import ArgumentParser
import Foundation
import Store

struct StoreCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "store",
    abstract: "Maintain results stores: join the stores of several machines into one.",
    subcommands: [Merge.self])

  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Copy every run (with all its points) and A/B run of STORE… into --into, so compare, history and export see them all.",
      discussion: """
        For suites run as shards on several nodes (run SUITE --shard i/n), each node writing its own store on a local disk: the runs keep their labels, machine keys, times, shards and status. All or nothing: a run found twice (the same suite, machine key, start time and shard — one measurement given twice) or a label carried by two runs is an error naming it, and nothing is copied. A/B runs (lrd-bench ab) are copied too, with every measurement, checked the same way. Baseline marks stay with their stores. The target is created when missing; it must not be on a network file system.
        """)

    @Argument(help: ArgumentHelp("The stores to copy from (read only).", valueName: "store"))
    var sources: [String]

    @Option(help: ArgumentHelp("The store to copy into (created when missing).", valueName: "store"))
    var into: String

    func validate() throws {
      guard !sources.isEmpty else { throw ValidationError("give the stores to merge, then --into STORE") }
      guard !sources.contains(into) else {
        throw ValidationError("--into \(into) is also a source; name another store")
      }
    }

    func run() throws {
      try guarded {
        let readers = try sources.map { try ResultStore(path: $0, access: .read) }
        let existed = FileManager.default.fileExists(atPath: into)
        let summary: ResultStore.MergeSummary
        do {
          summary = try ResultStore(path: into, access: .create).merge(readers)
        } catch {
          // A refused merge leaves no new store behind.
          if !existed {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: into + suffix) }
          }
          throw error
        }
        emit(
          "merged \(summary.runs) run\(summary.runs == 1 ? "" : "s") (\(summary.points) points) and "
            + "\(summary.abRuns) A/B run\(summary.abRuns == 1 ? "" : "s") into \(into)\n"
        )
      }
    }
  }
}
