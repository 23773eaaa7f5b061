import ArgumentParser
import Foundation
import Harness
import Machine
import Networks
import ONNX
import Profiling
import Programs
import Reports
import Support
import Tensors

struct TableCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "table",
    abstract: "The paper's Tables 1 and 3 and the whole-network Figure 5, measured on this machine.",
    usage: """
      lrd-bench table [--models <list> | --onnx <file>] [--techniques <list>] [--ranks-from <dir> ...] [<options>]
      lrd-bench table --resume <directory> [--quiet] [--blas-core <core>]
      """,
    discussion: """
      For each model: the original network and vanilla LRD (Table 1: layers, params, FLOPs, train and infer images/s); every technique (vanilla LRD, optimized ranks, layer freezing, layer merging, layer branching with N chosen from the measured branch sweep, and the best combination) as Table 3 (layers, Δparams %, ΔFLOPs %, train and infer speed-up %), each speed-up measured interleaved with the original network, with its 95% CI; and Figure 5 for the whole network (images/s vs N, inference and training). The paper's own GPU figures are printed beside ours, labelled, never mixed in.

      Optimized ranks come from --ranks-from (a finished `lrd-bench ranks` run per model); for a model without one, a quick ranks study runs first (--ranks-per-layer ranks per layer, inference, in <out>/ranks-<model>/; its duration is reported).

      With --onnx FILE (instead of --models): the same tables for that network with its real weights, as an eager graph: vanilla LRD (every layer with groups 1 but the first), optimized ranks (from --ranks-from, a finished ranks --onnx run of the same file, or a quick one run here), layer freezing (the paper's factors), layer merging (every bottleneck of 1×1 → k×k → 1×1 convolutions with batch norms and ReLUs whose k×k is Tucker-2 decomposed; the notes say which were merged and why others were not), branching and the best combination. Layers count every factor of the graph; the paper's own figures are not printed beside it.

      Defaults here: --models resnet50,resnet101,resnet152, --techniques all, --branches 1,2,4,8,16, --policy robust, --batch 8, --threads all cores, --budget 15 s per inference comparison, --train-budget 45 s per training comparison, --ci 0.02, --ranks-per-layer 6, --ranks-budget 0.2 s, --events none.

      Writes table1.md, table3.md, table.csv, table.json (every sample, the fingerprint), figure5.svg and speedups.svg to --out (default results/tables/<models>-<UTC time>/) and prints the tables. Ctrl-C keeps what was measured; --resume DIR continues.
      """)

  @Option(help: "Models, comma-separated (default resnet50,resnet101,resnet152).")
  var models: String?

  @OptionGroup var onnx: ONNXOptions

  @Option(
    help:
      "Techniques, comma-separated: vanilla, optimized, frozen, merged, branched, combined, or all (default all)."
  )
  var techniques: String?

  @Option(help: "Branch counts of the Figure 5 sweep (default 1,2,4,8,16).")
  var branches: String?

  @Option(parsing: .unconditional, help: "Compression ratio α of vanilla LRD (default 2).")
  var ratio: Double?

  @Option(help: "Which policy's ranks optimized ranks use (default robust).")
  var policy: Choice<RankPolicy>?

  @Option(
    name: .customLong("ranks-from"),
    help: "A finished lrd-bench ranks directory (repeat for several models); its ranks.json names its model.")
  var ranksFrom: [String] = []

  @Option(
    name: .customLong("ranks-per-layer"), parsing: .unconditional,
    help:
      "The quick ranks study run when --ranks-from lacks a model sweeps each layer with the cliffs strategy (see sweep --strategy); with N it measures about N evenly spaced ranks per layer instead."
  )
  var ranksPerLayer: Int?

  @Option(
    name: .customLong("ranks-budget"), parsing: .unconditional,
    help: "Seconds per rank of that study (default 0.2).")
  var ranksBudget: Double?

  @Option(parsing: .unconditional, help: "Batch size in images per step (default 8).")
  var batch: Int?

  @OptionGroup var threads: ThreadOptions

  @Option(
    parsing: .unconditional,
    help:
      "Seconds per inference comparison (default 15): it stops once its CI target is met or this is spent, but never before 6 paired samples (so a slow network takes longer), and a noisy one may go on up to 3× this when projected to reach the target."
  )
  var budget: Double?

  @Option(
    name: .customLong("train-budget"), parsing: .unconditional,
    help: "Seconds per training comparison (default 45), bounded as --budget is.")
  var trainBudget: Double?

  @Option(
    name: .customLong("ci"), parsing: .unconditional,
    help: "Target half-width of each speed-up's 95% CI, relative (default 0.02 = ±2%).")
  var ciTarget: Double?

  @Option(help: "Comma-separated PAPI or perf:: events counted on every thread (default none).")
  var events: String?

  @OptionGroup var shard: ShardOption
  @OptionGroup var output: RunDirectoryOptions
  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backendCheck: BackendCheckOptions
  @OptionGroup var backend: NetworkBackendOptions

  var given: [String] {
    var names = threads.given + shard.given + onnx.given
    let options: [(String, Bool)] = [
      ("--models", models != nil), ("--techniques", techniques != nil), ("--branches", branches != nil),
      ("--ratio", ratio != nil), ("--policy", policy != nil), ("--ranks-from", !ranksFrom.isEmpty),
      ("--ranks-per-layer", ranksPerLayer != nil), ("--ranks-budget", ranksBudget != nil),
      ("--batch", batch != nil),
      ("--budget", budget != nil), ("--train-budget", trainBudget != nil), ("--ci", ciTarget != nil),
      ("--events", events != nil),
    ]
    for (name, isGiven) in options where isGiven { names.append(name) }
    return names
  }

  func validate() throws { try output.checkResume(given: given) }

  func makePlan(cores: Int) throws -> TablePlan {
    let imported = try onnx.open(models: models)
    var modelList: [ResNetModel] = []
    // An ONNX table measures the file; its one model entry only stands for it.
    for name in CommaList.items(imported == nil ? models ?? "resnet50,resnet101,resnet152" : "resnet50") {
      guard let model = ResNetModel(parsing: name) else {
        throw HarnessError.invalidRequest(
          "unknown model '\(ClosestNames.truncated(name))'; models: "
            + ResNetModel.allCases.map(\.rawValue).joined(separator: ", "))
      }
      guard !modelList.contains(model) else {
        throw HarnessError.invalidRequest("--models lists \(model) twice; list each model once")
      }
      modelList.append(model)
    }
    let text = branches ?? "1,2,4,8,16"
    guard let counts = CommaList.integers(text) else {
      throw HarnessError.invalidRequest(
        "--branches '\(ClosestNames.truncated(text))': use counts such as 1,2,4,8,16")
    }
    let ci = ciTarget ?? 0.02
    func sampler(_ seconds: Double) throws -> SamplerConfiguration {
      let config = SamplerConfiguration(
        targetRelativeHalfWidth: ci, budgetSeconds: seconds, minimumSamples: 6)
      try config.validate()
      return config
    }
    var ranks: [String: String] = [:]
    for directory in ranksFrom {
      let model =
        try imported.map { try Self.ranksModel(directory, of: $0.file, standingFor: modelList[0]) }
        ?? Self.ranksModel(directory)
      if let earlier = ranks[model.rawValue] {
        throw HarnessError.invalidRequest(
          "--ranks-from: \(earlier) and \(directory) both hold ranks of \(model); give one per model")
      }
      ranks[model.rawValue] = directory
    }
    let eventList = try events.map { text -> [String] in
      let list = EventNames.parse(text)
      try EventNames.validate(list)
      return list
    }
    var plan = TablePlan(
      models: modelList, techniques: try Technique.parseList(techniques ?? "all"), branches: counts,
      ratio: ratio ?? 2, policy: policy?.value ?? .robust, batch: batch ?? 8,
      threads: try threads.single(cores: cores, command: "table"), inference: try sampler(budget ?? 15),
      training: try sampler(trainBudget ?? 45), ranksFrom: ranks, ranksPerLayer: ranksPerLayer,
      ranksSampler: SamplerConfiguration(budgetSeconds: ranksBudget ?? 0.2), events: eventList ?? [])
    plan.onnx = imported?.file
    if let imported {
      if case .best = backend.backend {
        throw ValidationError(
          "--backend best: does not apply with --onnx (its choices are a catalog model's)")
      }
      // A graph that cannot run is refused now, before anything is measured.
      _ = try ImportedNetworkTiming.program(
        try ImportedNetworkTiming.build(imported, ratio: plan.ratio, variant: .original), batch: 1)
    }
    if case .best = backend.backend {
      var choices: [String: [String: GEMMBackend]] = [:]
      for model in modelList { choices[model.rawValue] = try backend.layerBackends(for: model) }
      plan.layerBackends = choices
    }
    plan.shard = try shard.resolve()
    return plan
  }

  /// `model` when `directory` holds a finished ranks study of the ONNX file `file` (same SHA-256).
  static func ranksModel(_ directory: String, of file: ModelFile, standingFor model: ResNetModel) throws
    -> ResNetModel
  {
    let result: RanksResult
    do {
      result = try RanksResult.load(from: directory)
    } catch {
      throw HarnessError.invalidRequest(
        "--ranks-from \(directory): \(error); give the --out of a finished lrd-bench ranks --onnx run")
    }
    guard result.onnx?.sha256 == file.sha256 else {
      throw HarnessError.invalidRequest(
        "--ranks-from \(directory) holds ranks of "
          + (result.onnx.map { "\($0)" } ?? result.model.description)
          + ", not of \(file); run lrd-bench ranks --onnx on this file")
    }
    return model
  }

  /// The model of a ranks directory (its ranks.json), or an error naming the problem.
  static func ranksModel(_ directory: String) throws -> ResNetModel {
    do {
      return try RanksResult.load(from: directory).model
    } catch {
      throw HarnessError.invalidRequest(
        "--ranks-from \(directory): \(error); give the --out of a finished lrd-bench ranks run")
    }
  }

  func run() throws {
    try guarded {
      try StudyDriver<TableStudy>(
        output: output, blasCore: blasCore, requestedBackend: backend.backend?.text,
        backendCheck: backendCheck
      ).run(make: makePlan)
    }
  }
}
