import ArgumentParser
import Foundation
import Harness
import Reports
import Results

struct MergeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract:
      "Join the shards of a ranks study (ranks --shard i/n) into one result, as if it had run unsharded.",
    discussion: """
      DIR… are the shards' run directories, every shard of one split exactly once, each finished. The merged directory holds the whole plan, ranks.md, ranks.csv, ranks.json and table2.tex over every layer in catalog order (computed over the union, so table --ranks-from and model --variant optimized: accept it) and every shard's sweeps under sweeps/. Refused, with the reason: a directory that is not a finished shard, shards of different plans (the differing fields named), a shard given twice or missing (named), shards measured on machines that differ in CPU model, core count, kernel library, OpenBLAS core or build (unless --allow-mixed-machines: the report then lists which layers came from which machine).
      """)

  @Argument(help: ArgumentHelp("The shards' run directories.", valueName: "dir"))
  var directories: [String]

  @Option(help: "Output directory (a new or empty one; default results/ranks/<model>-merged-<UTC time>).")
  var out: String?

  @Flag(help: "Merge shards measured on different machines (the report says which layers came from which).")
  var allowMixedMachines = false

  func run() throws {
    try guarded {
      let (plan, result, parts) = try RanksMerge.merge(directories, allowMixedMachines: allowMixedMachines)
      let directory = try RunDirectory.create(
        at: out, kind: RanksStudy.kind, name: "\(plan.model.rawValue)-merged", planFile: RanksStudy.planFile,
        plan: plan)
      // Each shard's sweeps (reports, plans and journals) go with the merged table.
      let sweeps = directory.url.appendingPathComponent("sweeps")
      try FileManager.default.createDirectory(at: sweeps, withIntermediateDirectories: true)
      for part in parts {
        let source = URL(fileURLWithPath: part.directory).appendingPathComponent("sweeps")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: source.path)) ?? [] {
          try FileManager.default.copyItem(
            at: source.appendingPathComponent(name), to: sweeps.appendingPathComponent(name))
        }
      }
      try RanksReport.write(result, to: directory)
      emit(RanksReport.markdown(result))
      printError("merged \(parts.count) shards: \(directory.path)/ranks.{md,csv,json}")
    }
  }
}
