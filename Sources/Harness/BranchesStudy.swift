import Decomposition
import Networks
import Profiling

/// One branch count of `lrd-bench branches`.
public struct BranchPoint: Codable, Sendable, Equatable {
  public var branches: Int
  public var factorization: Factorization
  public var result: PointResult
  /// T / t against the original measured closest in time.
  public var speedup: Double
  public var parametersChangePercent: Double
  public var flopsChangePercent: Double
}

/// The `branches` result (the paper's Figure 5 for one layer).
public struct BranchesResult: Codable, Sendable {
  public static let schemaVersion = "lrd-bench/branches@1"
  public var schema = BranchesResult.schemaVersion
  public var layer: LayerSpecSnapshot
  public var model: ResNetModel
  public var ratio: Double
  public var batch: Int
  public var mode: Mode
  public var threads: ThreadConfig
  public var binding: BindingRecord
  /// The original, measured before and after the branch counts.
  public var references: [PointResult]
  public var points: [BranchPoint]
  public var interrupted: Bool
  public var fingerprint: MachineFingerprint
  public var sampler: SamplerConfiguration

  public var referenceSeconds: Double {
    let medians = references.map(\.seconds).sorted()
    return medians.isEmpty ? .nan : medians[medians.count / 2]
  }
}

public enum BranchesStudy {
  /// Branched Tucker at the α ranks rounded down to multiples of each N, timed against the original.
  public static func run(
    model: ResNetModel, layer name: String, branches: [Int], ratio: Double, batch: Int, mode: Mode,
    threads: ThreadConfig, sampler: SamplerConfiguration, events: [String], topology: Topology,
    progress enabled: Bool
  ) throws -> BranchesResult {
    let runner = PointRunner(model: model, sampler: sampler, events: events, topology: topology.summary)
    let layer = try runner.catalog.layer(named: name)
    guard !layer.shape.hasOneByOneKernel, layer.groups == 1 else {
      throw HarnessError.invalidOption(
        "\(name) is \(layer.kernel)×\(layer.kernel); branched Tucker needs a k×k convolution (e.g. layer4.2.conv2)"
      )
    }
    let (r1, r2) = try RankSelection.tucker2Ranks(
      inChannels: layer.inChannels, outChannels: layer.outChannels, kernel: layer.kernel, ratio: ratio)
    var factorizations: [(Int, Factorization)] = []
    for n in branches {
      guard n >= 1 else { throw HarnessError.invalidOption("--branches: counts must be at least 1") }
      let b1 = r1 / n * n
      let b2 = r2 / n * n
      guard b1 >= n, b2 >= n else {
        throw HarnessError.invalidOption(
          "\(n) branches leave no rank at α = \(ratio) (r1 = \(r1), r2 = \(r2)); use fewer branches")
      }
      factorizations.append((n, .branched(r1: b1, r2: b2, branches: n)))
    }
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let binding = try topology.apply(threads)
    let progress = Progress(total: factorizations.count + 2, enabled: enabled)
    func spec(_ f: Factorization) -> PointSpec {
      PointSpec(
        model: model, layer: name, factorization: f, batch: batch, mode: mode, threads: threads,
        cache: sampler.cache)
    }
    var references: [PointResult] = []
    var points: [BranchPoint] = []
    let original = FactorizationCost(layer, .original)
    let first = try runner.measure(spec(.original))
    references.append(first)
    progress.step("original \(Format.duration(first.seconds))", seconds: first.measurement.elapsedSeconds)
    var interrupted = false
    for (n, f) in factorizations {
      if Interruption.isRequested {
        interrupted = true
        break
      }
      let result = try runner.measure(spec(f))
      let cost = FactorizationCost(layer, f)
      points.append(
        BranchPoint(
          branches: n, factorization: f, result: result, speedup: first.seconds / result.seconds,
          parametersChangePercent: (Double(cost.parameters) / Double(original.parameters) - 1) * 100,
          flopsChangePercent: (Double(cost.macsPerImage) / Double(original.macsPerImage) - 1) * 100))
      progress.step("\(f) \(Format.duration(result.seconds))", seconds: result.measurement.elapsedSeconds)
    }
    if !interrupted && !Interruption.isRequested {
      let last = try runner.measure(spec(.original))
      references.append(last)
      progress.step(
        "original again \(Format.duration(last.seconds))", seconds: last.measurement.elapsedSeconds)
      // Each branch count is compared with the original measurement nearest in time.
      for index in points.indices {
        let nearest = references.min {
          abs($0.sequence - points[index].result.sequence) < abs($1.sequence - points[index].result.sequence)
        }!
        points[index].speedup = nearest.seconds / points[index].result.seconds
      }
    } else {
      interrupted = true
    }
    progress.finish()
    return BranchesResult(
      layer: SweepRunner.snapshot(layer, ratio: ratio), model: model, ratio: ratio, batch: batch, mode: mode,
      threads: threads, binding: binding, references: references, points: points, interrupted: interrupted,
      fingerprint: fingerprint, sampler: sampler)
  }
}
