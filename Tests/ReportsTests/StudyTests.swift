import Foundation
import Harness
import Machine
import Networks
import Profiling
import Programs
import Results
import Testing

@testable import Reports

/// A fresh run directory for `study`'s plan, removed by the caller.
func studyDirectory<S: Study>(_ study: S.Type, _ plan: S.Plan, _ name: String) throws -> RunDirectory {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent(
    "lrd-bench-study-\(name)-\(UUID().uuidString)"
  ).path
  return try RunDirectory.create(at: path, kind: S.kind, name: name, planFile: S.planFile, plan: plan)
}

/// Runs `study` on `plan` in a new directory, writes its reports, and returns the result and the directory.
func runStudy<S: ReportedStudy>(_ study: S.Type, _ plan: S.Plan, _ name: String) throws -> (S.Result, URL) {
  let directory = try studyDirectory(study, plan, name)
  let context = StudyContext(
    directory: directory, topology: try Topology(), events: EventSinks.ignore, backend: plan.measuredBackend)
  let result = try S.run(plan, in: context)
  try S.writeReports(result, to: directory)
  return (result, directory.url)
}

/// A short sampler: these tests check what the studies produce, never how fast anything is.
let quickSampler = SamplerConfiguration(budgetSeconds: 0.02, minimumSamples: 6, warmupSeconds: 0.002)

/// Every study and report on tiny inputs, run directly (not through the command line).
@Suite("Studies and their reports on tiny inputs", .serialized)
struct StudyTests {
  let one = ThreadConfig(threads: 1, binding: .compact)

  @Test("ranks: one row per layer with every policy's choice; each sweep's reports in sweeps/<layer>/")
  func ranks() throws {
    let settings = SweepSettings(
      ratio: 2, step: 4, batch: 1, threadConfigs: [one], mode: .inference, policies: RankPolicy.allCases,
      sampler: quickSampler, events: [], referenceEvery: 8, confirmBudget: 0)
    let plan = RanksPlan(model: .resnet50, filter: "^layer1\\.[01]\\.conv1$", settings: settings)
    let (result, url) = try runStudy(RanksStudy.self, plan, "ranks")
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(!result.interrupted)
    // layer1.0.conv1 (64→64) and layer1.1.conv1 (256→64) differ in shape: two sweeps, two rows.
    #expect(result.rows.map(\.layer) == ["layer1.0.conv1", "layer1.1.conv1"] && result.sweeps == 2)
    for row in result.rows {
      #expect(Set(row.choices.keys) == Set(RankPolicy.allCases.map(\.rawValue)))
      #expect(row.alphaFactorization.hasPrefix("svd:") && row.originalSeconds > 0)
    }
    #expect(result.rows[0].alphaRank == 16, "the paper's Table 2: layer1.0.conv1 at α = 2 is rank 16")
    let files = try FileManager.default.contentsOfDirectory(atPath: url.path)
    #expect(Set(["ranks.md", "ranks.csv", "ranks.json"]).isSubset(of: files))
    for layer in ["layer1.0.conv1", "layer1.1.conv1"] {
      let sweep = url.appendingPathComponent("sweeps/\(layer)")
      let written = try FileManager.default.contentsOfDirectory(atPath: sweep.path)
      #expect(Set(["sweep.md", "sweep.csv", "sweep.json", "sweep.svg"]).isSubset(of: written), "\(written)")
    }
    let markdown = RanksReport.markdown(result)
    #expect(markdown.contains("| layer1.0.conv1 |") && markdown.contains("robust"))
    // ranks.json is what optimized ranks read back.
    let read = try RanksResult.load(from: url.path)
    #expect(read.rows == result.rows)
    #expect(OptimizedRanks.choices(read, policy: .paper).count == 2)
  }

  @Test("branches: one point per N at the α ranks rounded to multiples of N, with parameter and FLOP changes")
  func branches() throws {
    var plan = BranchesPlan(
      model: .resnet50, layer: "layer1.0.conv2", branches: [1, 2], ratio: 2, batch: 1, mode: .inference,
      threads: one, sampler: quickSampler, events: [])
    plan.backend = .openblas
    let (result, url) = try runStudy(BranchesStudy.self, plan, "branches")
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(result.points.map(\.branches) == [1, 2])
    // layer1.0.conv2 at α = 2 is Tucker-2 (38, 38) (the paper's Table 2); N = 2 rounds both down to 38.
    #expect(
      result.points.map(\.factorization) == [
        .branched(r1: 38, r2: 38, branches: 1), .branched(r1: 38, r2: 38, branches: 2),
      ])
    #expect(result.points[1].parametersChangePercent < result.points[0].parametersChangePercent)
    #expect(result.points.allSatisfy { $0.result.comparison != nil })
    let files = try FileManager.default.contentsOfDirectory(atPath: url.path)
    #expect(Set(["branches.md", "branches.csv", "branches.json", "branches.svg"]).isSubset(of: files))
    let csv = BranchesReport.csv(result).split(separator: "\n")
    #expect(csv.count == 3, "a header and one row per N")
  }

  @Test(
    "table: Tables 1 and 3 paired with the original; the branch count chosen on one run, reported from another"
  )
  func table() throws {
    var plan = TablePlan(
      models: [.resnet50], techniques: [.vanilla, .frozen, .branched], branches: [1, 2], ratio: 2,
      policy: .robust, batch: 1,
      threads: one, inference: quickSampler, training: quickSampler, ranksFrom: [:], ranksPerLayer: 2,
      ranksSampler: quickSampler, events: [])
    plan.backend = .openblas
    try TableStudy.validate(plan, cores: 2)
    let (result, url) = try runStudy(TableStudy.self, plan, "table")
    defer { try? FileManager.default.removeItem(at: url) }
    let model = try #require(result.models.first)
    #expect(model.original.parameters == 25_557_032 && model.original.layers == 50)
    #expect(model.lrd?.layers == 115, "the paper's Table 1: vanilla LRD ResNet-50 has 115 layers")
    #expect(model.rows.map(\.technique) == [.vanilla, .frozen, .branched])
    let vanilla = model.rows[0]
    #expect(vanilla.inference != nil && vanilla.training != nil)
    #expect(vanilla.parametersChangePercent < -40 && vanilla.parametersChangePercent > -60)
    // Freezing changes training only: its inference cell is vanilla LRD's measurement.
    #expect(model.rows[1].inferenceVariant == "lrd" && model.rows[1].trainingVariant == "frozen")
    #expect(model.rows[1].inference?.sameNetworkAs == Technique.vanilla.description)
    // N is chosen on Figure 5's runs and the branching row reports a second, independent run of that network.
    let n = try #require(model.chosenBranches)
    let branched = model.rows[2]
    let chosenPoint = try #require(model.figure5.first { $0.branches == n })
    #expect(
      branched.inferenceAtSelection == chosenPoint.inference
        && branched.trainingAtSelection == chosenPoint.training)
    #expect(branched.inference != nil && branched.inference != branched.inferenceAtSelection)
    // lrd and branched:2 in both modes, frozen in training, then the chosen N again in both modes.
    #expect(result.measurements.count == 7)
    let files = try FileManager.default.contentsOfDirectory(atPath: url.path)
    #expect(
      Set(["table1.md", "table3.md", "table1.tex", "table3.tex", "table.csv", "table.json", "figure5.svg"])
        .isSubset(of: files))
    let table3 = TableReport.table3(result)
    #expect(table3.contains("| Vanilla LRD |") && table3.contains("| Layer branching ² |"))
    let latex = LaTeXTables.table3(result)
    #expect(latex.components(separatedBy: "\\\\\n").count - 1 == 1 + 3 + 3, "header, three rows, three notes")
  }

  @Test("kernels: every distinct shape against the machine's peak, measured in the same run")
  func kernels() throws {
    let result = try KernelBenchmark.run(
      model: .resnet50, batch: 1, mode: .inference, threads: one, topology: try Topology(),
      sampler: quickSampler, filter: "^(fc|layer1\\.0\\.conv1)$", progress: EventSinks.ignore)
    #expect(result.peak.count == 2 && result.peak.allSatisfy { $0.gflops > 0 })
    let text = KernelsReport.text(result)
    #expect(text.contains("fc") && text.contains("layer1.0.conv1"))
    let csv = KernelsReport.csv(result).split(separator: "\n")
    #expect(csv.count == 3, "a header and one row per shape: \(csv)")
  }

  @Test("model: a whole network's time, its breakdown by operation and its output against the original")
  func model() throws {
    let spec = ModelSpec(model: .resnet50, variant: .lrd, batch: 1, mode: .inference, threads: one)
    let result = try ModelTiming.run(
      spec, sampler: quickSampler, events: [], topology: try Topology(), profileSteps: 1)
    #expect(result.point.imagesPerSecond > 0 && result.peak.count == 2)
    let outputError = try #require(result.outputError)
    #expect(outputError > 0 && outputError < 1, "LRD at α = 2 approximates the original")
    #expect(!result.breakdown.seconds.isEmpty && result.breakdown.steps == 1)
    let text = ModelReport.text(result)
    #expect(text.contains("images/s") && text.contains("ResNet-50"))
  }

  @Test("an interrupted model reports only what its samples support and runs nothing after the signal")
  func interruptedModel() throws {
    Interruption.request()
    defer { Interruption.reset() }
    let spec = ModelSpec(model: .resnet50, variant: .original, batch: 1, mode: .inference, threads: one)
    let result = try ModelTiming.run(
      spec, sampler: quickSampler, events: [], topology: try Topology(), profileSteps: 1)
    #expect(result.point.measurement.stopReason == .interrupted)
    #expect(result.peak.count == 1, "no second peak sgemm after the signal")
    #expect(result.breakdown.steps == 0 && result.outputError == nil, "no profiled steps, no output check")
    let text = ModelReport.text(result)
    #expect(
      !text.contains("95% CI ["), "no interval from \(result.point.measurement.samples.count) sample(s)")
    #expect(text.contains("no 95% CI from") && text.contains("not profiled (interrupted)"))
  }
}
