import Decomposition
import Foundation
import Networks
import Profiling

/// One row of the paper's Table 2 measured here: a layer, its α ranks and each policy's choice.
public struct RanksRow: Codable, Sendable, Equatable {
  public var layer: String
  public var inChannels: Int
  public var outChannels: Int
  public var kernel: Int
  /// The factorization at α (e.g. "tucker2:309,309").
  public var alphaFactorization: String
  /// The rank at α (the sweep's R).
  public var alphaRank: Int
  /// Policy name → chosen rank, or nil for ORG.
  public var choices: [String: Int?]
  /// Policy name → speed-up of the choice over the original (1 for ORG).
  public var speedups: [String: Double]
  /// The layer whose sweep this row uses (itself, or an earlier layer of identical shape).
  public var measuredAs: String
  /// Time of the original layer (median of its re-measurements).
  public var originalSeconds: Double
}

/// The `ranks` result: Algorithm 1 over a model's layers.
public struct RanksResult: Codable, Sendable {
  public static let schemaVersion = "lrd-bench/ranks@1"
  public var schema = RanksResult.schemaVersion
  public var model: ResNetModel
  public var ratio: Double
  public var batch: Int
  public var mode: Mode
  public var threads: ThreadConfig
  public var policies: [RankPolicy]
  public var rows: [RanksRow]
  /// Distinct shapes swept (identical shapes are measured once).
  public var sweeps: Int
  public var points: Int
  public var interrupted: Bool
  public var elapsedSeconds: Double
  public var fingerprint: MachineFingerprint
}

/// Runs a rank sweep per distinct layer shape (each in `<out>/sweeps/<layer>/`, with its own
/// journal, so `--resume` works) and assembles the ranks table.
public final class RanksStudy {
  public let model: ResNetModel
  public let layers: [LayerSpec]
  public let template: SweepPlan
  public let directory: ResultDirectory
  public let topology: Topology
  public var showProgress = true
  /// Called with each finished sweep and its directory (the CLI writes the sweep's reports there).
  public var onSweep: ((SweepResult, ResultDirectory) throws -> Void)?

  /// `template` supplies every sweep option but the layer and ranks.
  public init(
    model: ResNetModel, layers: [LayerSpec], template: SweepPlan, directory: ResultDirectory,
    topology: Topology
  ) {
    self.model = model
    self.layers = layers
    self.template = template
    self.directory = directory
    self.topology = topology
  }

  public func run() throws -> RanksResult {
    let start = Clock.now()
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    var representative: [String: LayerSpec] = [:]
    var order: [LayerSpec] = []
    for layer in layers where representative[layer.shapeKey] == nil {
      representative[layer.shapeKey] = layer
      order.append(layer)
    }
    var sweeps: [String: SweepResult] = [:]
    var interrupted = false
    var points = 0
    for (index, layer) in order.enumerated() {
      if Interruption.isRequested {
        interrupted = true
        break
      }
      let ranks = try SweepPlan.resolveRanks(
        layer: layer, ratio: template.ratio, from: nil, to: nil, step: template.step)
      var plan = template
      plan.layer = layer.name
      plan.from = ranks.from
      plan.to = ranks.to
      let sub = try ResultDirectory(path: directory.url.appendingPathComponent("sweeps/\(layer.name)").path)
      try sub.write(try JSONCoding.encoder.encode(plan), to: "plan.json")
      let runner = SweepRunner(plan: plan, directory: sub, topology: topology)
      runner.showProgress = showProgress
      runner.progressPrefix = "[\(index + 1)/\(order.count) \(layer.name)] "
      let result = try runner.run()
      points += result.configs.reduce(0) { $0 + $1.references.count + $1.ranks.count }
      try onSweep?(result, sub)
      sweeps[layer.shapeKey] = result
      if result.interrupted {
        interrupted = true
        break
      }
    }
    var rows: [RanksRow] = []
    for layer in layers {
      guard let sweep = sweeps[layer.shapeKey], let config = sweep.configs.first else { continue }
      let alpha = try RankSelection.factorization(for: layer, ratio: template.ratio)
      var choices: [String: Int?] = [:]
      var speedups: [String: Double] = [:]
      for decision in config.decisions {
        choices[decision.policy.rawValue] = decision.choice.rank
        speedups[decision.policy.rawValue] = decision.speedup
      }
      rows.append(
        RanksRow(
          layer: layer.name, inChannels: layer.inChannels, outChannels: layer.outChannels,
          kernel: layer.kernel,
          alphaFactorization: alpha.description, alphaRank: alpha.primaryRank ?? 0, choices: choices,
          speedups: speedups,
          measuredAs: sweep.plan.layer, originalSeconds: config.referenceSeconds))
    }
    return RanksResult(
      model: model, ratio: template.ratio, batch: template.batch, mode: template.mode,
      threads: template.threadConfigs.first ?? ThreadConfig(threads: 1, binding: .compact),
      policies: template.policies,
      rows: rows, sweeps: sweeps.count, points: points, interrupted: interrupted,
      elapsedSeconds: Clock.seconds(since: start), fingerprint: fingerprint)
  }
}

/// What `ranks` saves as `ranks-plan.json` so `--resume` continues the same study.
public struct RanksPlan: Codable, Sendable, Equatable {
  public var model: ResNetModel
  public var filter: String?
  public var template: SweepPlan

  public init(model: ResNetModel, filter: String?, template: SweepPlan) {
    self.model = model
    self.filter = filter
    self.template = template
  }
}
