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
}

/// Runs an imported network as a whole: the original and its vanilla LRD (every layer with groups 1 at α but
/// the first, the stem, as lrd-bench's own ResNets keep it), each as eager operations, paired.
package enum ImportedNetworkTiming {
  /// The program of `model` at `batch`: original layers, or with `decomposed` layers at α = `ratio`, or as
  /// `chosen` says (a layer absent from it stays original).
  package static func program(
    _ model: ImportedModel, batch: Int, ratio: Double, decomposed: Set<String>, mode: GraphMode = .eager,
    chosen: [String: Factorization]? = nil, seed: UInt64 = 1
  ) throws -> GraphProgram {
    guard let graph = model.graph else {
      throw HarnessError.invalidRequest(
        "\(model.file.path) cannot run as a whole network: \(model.graphProblem ?? "unknown"); its layers can "
          + "still be swept one by one")
    }
    return try GraphProgram(spec: graph, batch: batch, mode: mode, seed: seed) { name in
      let layer = try model.layer(named: name)
      let decomposer = try LayerDecomposer(layer: layer.spec, weight: layer.weight, bias: layer.bias)
      let factorization =
        try chosen.map { $0[name] ?? .original }
        ?? (decomposed.contains(name)
          ? try RankSelection.factorization(for: layer.spec, ratio: ratio) : .original)
      return try decomposer.decompose(factorization).factors
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

  /// Times the original and vanilla LRD paired (inference) with `sampler` on `threads`.
  package static func run(
    _ model: ImportedModel, batch: Int, ratio: Double, mode: GraphMode, threads: ThreadConfig,
    sampler: SamplerConfiguration, topology: Topology, variant: Variant = .lrd
  ) throws -> ImportedNetworkTimingResult {
    let chosen = try factorizations(model, ratio: ratio, variant: variant)
    let decomposed = model.layers.map(\.spec.name).filter { (chosen[$0] ?? .original) != .original }
    let kept = model.layers.map(\.spec.name).filter { !decomposed.contains($0) }
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let binding = try topology.apply(threads)
    let before = PeakSGEMM.measure(threads: threads.threads)
    let original = try program(model, batch: batch, ratio: ratio, decomposed: [], mode: mode)
    let lrd = try program(model, batch: batch, ratio: ratio, decomposed: [], mode: mode, chosen: chosen)
    original.run()
    lrd.run()
    let outputError = lrd.output.relativeError(to: original.output)
    let outcome = Sampler(configuration: sampler).measurePaired(
      baseline: { original.run() }, candidate: { lrd.run() })
    let after = Interruption.isRequested ? [] : [PeakSGEMM.measure(threads: threads.threads)]
    return ImportedNetworkTimingResult(
      file: model.file, batch: batch, threads: threads, binding: binding, ratio: ratio, mode: mode,
      decomposedLayers: decomposed, keptLayers: kept, optimizedFrom: variant.optimizedFrom,
      variant: variant.label,
      original: outcome.baseline, lrd: outcome.candidate,
      comparison: outcome.comparison, originalFlops: original.flopsPerCall, lrdFlops: lrd.flopsPerCall,
      outputError: outputError, fingerprint: fingerprint.finished(), peak: [before] + after)
  }
}

extension ImportedNetworkTiming {
  /// The decomposed network timed against the original.
  package struct Variant: Sendable {
    /// As `--variant` writes it ("lrd", "optimized:DIR+branched:4").
    package var label: String
    /// The ranks study the ranks come from (nil: at α).
    package var optimizedFrom: String?
    /// Layer → factorization from that study (nil: vanilla LRD's layers at α).
    package var ranks: [String: Factorization]?
    /// Branches of every Tucker-2 core (1: plain Tucker-2).
    package var branches: Int

    package init(label: String, optimizedFrom: String?, ranks: [String: Factorization]?, branches: Int) {
      self.label = label
      self.optimizedFrom = optimizedFrom
      self.ranks = ranks
      self.branches = branches
    }

    /// Vanilla LRD at α.
    package static let lrd = Variant(label: "lrd", optimizedFrom: nil, ranks: nil, branches: 1)
  }

  /// Each layer's factorization in `variant`: the study's choice or α's (vanilla LRD's layers only), with every
  /// Tucker-2 core split into `branches` groups where its ranks allow (rounded down to multiples of N).
  package static func factorizations(_ model: ImportedModel, ratio: Double, variant: Variant) throws
    -> [String:
    Factorization]
  {
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
