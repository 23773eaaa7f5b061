import ArgumentParser
import Foundation
import Harness
import Reports
import Results

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract:
      "Join the shards of a ranks, sweep, branches or table study (--shard i/n) into one result, as if it had run unsharded.",
    discussion: """
      DIR… are the shards' run directories, every shard of one split exactly once, each finished. The merged directory holds the whole plan and the study's usual reports computed over the union (ranks: ranks.{md,csv,json} and table2.tex over every layer in catalog order, so table --ranks-from and model --variant optimized: accept it; sweep: every thread config in the plan's order; branches: every branch count; table: every model), each shard's child runs (a ranks study's sweeps/, a table's ranks-<model>/), and a list of which shard measured what on which machine. Refused, with the reason: a directory that is not a finished shard, shards of different plans (the differing fields named), a shard given twice or missing (named), shards measured on machines that differ in CPU model, core count, kernel library, OpenBLAS core or build (unless --allow-mixed-machines: the report then lists which shard, and so which units, came from which machine).
      """)

  @Argument(help: ArgumentHelp("The shards' run directories.", valueName: "dir"))
  var directories: [String]

  @Option(help: "Output directory (a new or empty one; default results/<kind>/<name>-merged-<UTC time>).")
  var out: String?

  @Flag(help: "Merge shards measured on different machines (the report says which shard came from which).")
  var allowMixedMachines = false

  func run() throws {
    try guarded {
      let kind = directories.first.flatMap(RunDirectory.kind(at:))
      switch kind {
      case RanksStudy.kind: try merge(RanksStudy.self)
      case SweepStudy.kind: try merge(SweepStudy.self)
      case BranchesStudy.kind: try merge(BranchesStudy.self)
      case TableStudy.kind: try merge(TableStudy.self)
      default:
        throw ValidationError(
          "\(directories.first ?? "") is not a run directory of a ranks, sweep, branches or table study"
            + (kind.map { " (it holds a \($0) run)" } ?? "") + "; give the shards' run directories")
      }
    }
  }

  /// Merges the shards of `study`, writes the merged directory's reports and prints the summary.
  func merge<S: ShardedStudy & ReportedStudy>(_ study: S.Type) throws {
    let (plan, result, parts) = try ShardMerge.merge(
      S.self, directories: directories, allowMixedMachines: allowMixedMachines)
    let directory = try RunDirectory.create(
      at: out, kind: S.kind, name: S.directoryName(for: plan) + "-merged", planFile: S.planFile, plan: plan)
    try ShardMerge.copyChildRuns(from: parts.map(\.directory), into: directory)
    try S.writeReports(result, to: directory)
    emit(S.markdown(result))
    printError("merged \(parts.count) shards: \(directory.path)/\(S.reportFiles)")
  }
}
