import Decomposition
import Machine
import ONNX
import Profiling
import Programs
import Statistics

/// An imported (ONNX) network and its vanilla LRD, timed paired in one run.
package struct ImportedNetworkTimingResult: Codable, Sendable {
  /// The model file and its digest.
  package var file: ModelFile
  package var batch: Int
  package var threads: ThreadConfig
  /// The binding read back.
  package var binding: BindingRecord
  /// Compression ratio α of the LRD layers.
  package var ratio: Double
  /// Eager (every operation its own pass) or fused (batch norm folded, ReLU and add fused).
  package var mode: GraphMode
  /// Layers decomposed, and those kept original (vanilla LRD: the stem and grouped convolutions; optimized:
  /// those its ranks study chose ORG for).
  package var decomposedLayers: [String]
  package var keptLayers: [String]
  /// Optimized ranks: the ranks study's directory (nil for ranks at α).
  package var optimizedFrom: String?
  /// The variant timed against the original, as `--variant` writes it (nil in results written before).
  package var variant: String?
  /// The original network's forward pass (seconds per batch).
  package var original: PointMeasurement
  /// Vanilla LRD's, measured interleaved with the original.
  package var lrd: PointMeasurement
  /// original → LRD, paired.
  package var comparison: PairedComparison
  /// FLOPs of one forward pass (batch included) of each.
  package var originalFlops: Int
  package var lrdFlops: Int
  /// ‖y − y₀‖/‖y₀‖ of LRD's output against the original's on one seeded batch.
  package var outputError: Double
  /// The machine.
  package var fingerprint: MachineFingerprint
  /// A 2048³ sgemm on the same threads before and after.
  package var peak: [SGEMMRate]
  /// Inference or training (nil in results written before training: inference).
  package var step: Mode?
  /// A merged variant: the bottlenecks it merged and why the other k×k layers were not.
  package var merge: MergeOutcome?
  /// Parameters (convolution and linear weights and biases; batch norm's γ and β) of each network.
  package var originalParameters: Int?
  package var lrdParameters: Int?
}

/// Runs an imported network as a whole: the original and a variant of it (vanilla LRD by default: every layer
/// with groups 1 at α but the first, the stem, as lrd-bench's own ResNets keep it), paired.
package enum ImportedNetworkTiming {
  /// The program of `built` at `batch`, laid out as `mode` says, for an inference or training `step`.
  package static func program(
    _ built: Built, batch: Int, mode: GraphMode = .eager, step: Mode = .inference, learningRate: Float = 1e-3,
    seed: UInt64 = 1
  ) throws -> GraphProgram {
    try GraphProgram(
      spec: built.graph, batch: batch, mode: mode, step: step, frozen: built.frozen,
      learningRate: learningRate,
      seed: seed
    ) {
      guard let factors = built.factors[$0] else { throw HarnessError.invalidRequest("no layer named \($0)") }
      return factors
    }
  }

  /// The layers vanilla LRD decomposes: every layer with groups 1 but the first.
  package static func lrdLayers(_ model: ImportedModel) -> (decomposed: [String], kept: [String]) {
    var decomposed: [String] = []
    var kept: [String] = []
    for (index, layer) in model.layers.enumerated() {
      if index == 0 || layer.spec.groups != 1 {
        kept.append(layer.spec.name)
      } else {
        decomposed.append(layer.spec.name)
      }
    }
    return (decomposed, kept)
  }

  /// Times the original and `variant` paired with `sampler` on `threads`, in inference or training.
  package static func run(
    _ model: ImportedModel, batch: Int, ratio: Double, mode: GraphMode, step: Mode = .inference,
    threads: ThreadConfig, sampler: SamplerConfiguration, topology: Topology, variant: Variant = .lrd
  ) throws -> ImportedNetworkTimingResult {
    let built = try build(model, ratio: ratio, variant: variant)
    let originalBuilt = try build(model, ratio: ratio, variant: .original)
    let names = model.layers.map(\.spec.name)
    let kept = names.filter { built.factors[$0]?.count == 1 && !built.isMerged($0) }
    let decomposed = names.filter { !kept.contains($0) }
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let binding = try topology.apply(threads)
    let before = PeakSGEMM.measure(threads: threads.threads)
    // The output error, always from inference programs (running statistics).
    var original = try program(originalBuilt, batch: batch, mode: mode)
    var lrd = try program(built, batch: batch, mode: mode)
    original.run()
    lrd.run()
    let outputError = lrd.output.relativeError(to: original.output)
    if step == .training {
      original = try program(originalBuilt, batch: batch, step: .training)
      lrd = try program(built, batch: batch, step: .training)
      original.run()
      lrd.run()
    }
    let outcome = Sampler(configuration: sampler).measurePaired(
      baseline: { original.run() }, candidate: { lrd.run() })
    let after = Interruption.isRequested ? [] : [PeakSGEMM.measure(threads: threads.threads)]
    var result = ImportedNetworkTimingResult(
      file: model.file, batch: batch, threads: threads, binding: binding, ratio: ratio, mode: mode,
      decomposedLayers: decomposed, keptLayers: kept, optimizedFrom: variant.optimizedFrom,
      variant: variant.label,
      original: outcome.baseline, lrd: outcome.candidate,
      comparison: outcome.comparison, originalFlops: original.flopsPerStep, lrdFlops: lrd.flopsPerStep,
      outputError: outputError, fingerprint: fingerprint.finished(), peak: [before] + after)
    result.step = step
    result.merge = built.merge
    result.originalParameters = originalBuilt.parameterCount
    result.lrdParameters = built.parameterCount
    return result
  }
}

extension ImportedNetworkTiming {
  /// The network timed against the original: a `--variant` (ranks at α or from a ranks study, frozen, merged,
  /// branched) with the ranks study's choices loaded.
  package struct Variant: Sendable {
    package var network: NetworkVariant
    /// Layer → factorization from the ranks study `network` names (nil: at α).
    package var ranks: [String: Factorization]?

    package init(_ network: NetworkVariant, ranks: [String: Factorization]? = nil) {
      self.network = network
      self.ranks = ranks
    }

    /// As `--variant` writes it ("lrd", "optimized:DIR+branched:4").
    package var label: String { network.description }
    /// The ranks study the ranks come from (nil: at α).
    package var optimizedFrom: String? {
      if case .optimized(let directory) = network.ranks { return directory }
      return nil
    }
    /// Branches of every Tucker-2 core (1: plain Tucker-2).
    package var branches: Int { network.branches }

    /// Vanilla LRD at α.
    package static let lrd = Variant(.lrd)
    /// The network as the file has it.
    package static let original = Variant(.original)
  }

  /// Each layer's factorization in `variant`: the study's choice or α's (vanilla LRD's layers only), with every
  /// Tucker-2 core split into `branches` groups where its ranks allow (rounded down to multiples of N).
  package static func factorizations(_ model: ImportedModel, ratio: Double, variant: Variant) throws
    -> [String:
    Factorization]
  {
    guard variant.network.ranks != .original else { return [:] }
    var chosen: [String: Factorization] = variant.ranks ?? [:]
    if variant.ranks == nil {
      for name in lrdLayers(model).decomposed {
        chosen[name] = try RankSelection.factorization(for: try model.layer(named: name).spec, ratio: ratio)
      }
    }
    let n = variant.branches
    if n > 1 {
      for (name, factorization) in chosen {
        if case .tucker2(let r1, let r2) = factorization, r1 / n * n >= n, r2 / n * n >= n {
          chosen[name] = .branched(r1: r1 / n * n, r2: r2 / n * n, branches: n)
        }
      }
    }
    return chosen
  }

  /// Vanilla LRD's factors of every decomposed layer, for writing the variant as ONNX.
  package static func lrdFactors(_ model: ImportedModel, ratio: Double) throws -> [String: [FactorLayer]] {
    var factors: [String: [FactorLayer]] = [:]
    for name in lrdLayers(model).decomposed {
      let layer = try model.layer(named: name)
      let decomposer = try LayerDecomposer(layer: layer.spec, weight: layer.weight, bias: layer.bias)
      factors[name] = try decomposer.decompose(try RankSelection.factorization(for: layer.spec, ratio: ratio))
        .factors
    }
    return factors
  }
}
