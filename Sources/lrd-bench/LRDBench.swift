import ArgumentParser

@main
struct LRDBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "lrd-bench",
    abstract: "Benchmark and profile low-rank-decomposed (SVD / Tucker-2) ResNet layers on this CPU.",
    discussion: """
      Everything is measured here, on OpenBLAS kernels, with hwloc topology and PAPI counters.
      Start with:  lrd-bench sweep --layer layer4.2.conv2

      Exit status: 0 success; 1 a measurement or file operation failed; 64 bad arguments
      (unknown layer or model, rank out of range, …: the message names the valid values);
      130 interrupted by Ctrl-C (what was measured is written).
      """,
    subcommands: [
      SweepCommand.self, RanksCommand.self, BranchesCommand.self, TimeCommand.self, KernelsCommand.self,
      LayersCommand.self, TopologyCommand.self, CountersCommand.self, BLASCheckCommand.self,
    ])
}
