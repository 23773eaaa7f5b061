import ArgumentParser
import Harness
import Machine
import Networks
import ONNX
import Profiling
import Reports
import Support

struct BranchesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "branches",
    abstract:
      "Time branched Tucker (grouped-convolution core) against the number of branches: the paper's Figure 5 for one layer.",
    usage: """
      lrd-bench branches --layer <layer> [<options>]
      lrd-bench branches --resume <directory> [--quiet] [--blas-core <core>]
      """,
    discussion: """
      The α ranks of the layer are rounded down to multiples of each N (N = 1 is plain Tucker-2); each N is measured paired with the original layer (balanced ABBA/BAAB rounds) and journaled, so Ctrl-C keeps what was measured and --resume DIR continues.

      Defaults here: --branches 1,2,4,8, --budget 2 s per point, --threads all cores, --events perf::TASK-CLOCK,perf::PAGE-FAULTS.

      Writes branches.md, branches.csv, branches.json and branches.svg (throughput vs N with 95% CIs and the original as a reference) to --out and prints the table.
      """)

  @Option(help: "A k×k convolution, e.g. layer4.2.conv2; required unless --resume.")
  var layer: String?

  @OptionGroup var model: ModelOption
  @OptionGroup var onnx: ONNXOptions

  @Option(help: "Branch counts N, comma-separated (default 1,2,4,8).")
  var branches: String?

  @Option(parsing: .unconditional, help: "Compression ratio α for the Tucker-2 ranks (default 2).")
  var ratio: Double?

  @OptionGroup var workload: WorkloadOptions
  @OptionGroup var threads: ThreadOptions
  @OptionGroup var shard: ShardOption
  @OptionGroup var measurement: MeasurementOptions
  @OptionGroup var output: RunDirectoryOptions
  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backend: BackendOptions

  var given: [String] {
    var names = model.given + workload.given + threads.given + measurement.given + shard.given + onnx.given
    for (name, value) in [
      ("--layer", layer != nil), ("--branches", branches != nil), ("--ratio", ratio != nil),
    ] where value {
      names.append(name)
    }
    return names
  }

  func validate() throws {
    try output.checkResume(given: given)
    if output.resume == nil && layer == nil {
      throw ValidationError("--layer is required (a k×k convolution such as layer4.2.conv2)")
    }
  }

  func makePlan(cores: Int) throws -> BranchesPlan {
    let imported = try onnx.open(model: model)
    let spec =
      try imported?.layer(named: layer ?? "").spec ?? ModelCatalog(model.resolved).layer(named: layer ?? "")
    let (batch, mode) = try workload.resolve()
    let text = branches ?? "1,2,4,8"
    guard let counts = CommaList.integers(text) else {
      throw HarnessError.invalidRequest(
        "--branches '\(ClosestNames.truncated(text))': use counts such as 1,2,4,8")
    }
    var plan = BranchesPlan(
      model: model.resolved, layer: spec.name, branches: counts, ratio: ratio ?? 2, batch: batch, mode: mode,
      threads: try threads.single(cores: cores, command: "branches"),
      sampler: try measurement.configuration(defaultBudget: 2),
      events: try measurement.eventList(default: DefaultEvents.study))
    plan.shard = try shard.resolve()
    plan.onnx = imported?.file
    return plan
  }

  func run() throws {
    try guarded {
      try StudyDriver<BranchesStudy>(
        output: output, blasCore: blasCore, requestedBackend: backend.backend?.value.rawValue
      ).run(make: makePlan)
    }
  }
}
