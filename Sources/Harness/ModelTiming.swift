import Machine
import Profiling
import Programs

/// The result of `lrd-bench model`: one whole-network point, where its time goes, and the machine's
/// peak measured around it.
package struct ModelTimingResult: Codable, Sendable {
  /// The schema string of `model --format json`.
  package static let schemaVersion = "lrd-bench/model@1"
  /// The schema of this result.
  package var schema = ModelTimingResult.schemaVersion
  /// The measured network point.
  package var point: ModelResult
  /// How it was sampled.
  package var sampler: SamplerConfiguration
  /// The binding read back for its thread config.
  package var binding: BindingRecord
  /// Metrics derived from counters, where measured.
  package var derived: [DerivedMetric]
  /// The machine it ran on.
  package var fingerprint: MachineFingerprint
  /// A 2048³ sgemm on the same threads, before and after the network (before only when interrupted).
  package var peak: [SGEMMRate]
  /// Where one step's time goes, by operation kind (no steps when interrupted).
  package var breakdown: OperationBreakdown
  /// ‖y − y₀‖/‖y₀‖ of the logits against the original network on one batch (inference); nil when
  /// interrupted (nothing runs after the signal).
  package var outputError: Double?
  /// Seconds to decompose the weights and build the program (once, before timing).
  package var buildSeconds: Double
  /// What the reader needs to interpret the figures (the stem is kept, layer counts, …).
  package var notes: [String]
  /// The original timed briefly on every installed kernel library before measuring (nil when skipped or in
  /// results written before the check existed).
  package var backendCheck: BackendCheck?

  /// Network FLOPs per second ÷ the better of the two sgemm rates.
  package var fractionOfPeak: Double { point.gflops / (peak.map(\.gflops).max() ?? .nan) }
}

/// Builds and times one whole network.
package enum ModelTiming {
  /// Builds `spec`'s network, measures it with `sampler` on its thread config, profiles `profileSteps`
  /// steps by operation kind, and measures the peak sgemm before and after.
  package static func run(
    _ spec: ModelSpec, sampler: SamplerConfiguration, events: [String], topology: Topology, profileSteps: Int
  ) throws -> ModelTimingResult {
    let runner = ModelRunner(events: events)
    try runner.checkMemory(spec, paired: false)
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let binding = try topology.apply(spec.threads)
    let before = PeakSGEMM.measure(threads: spec.threads.threads)
    let buildStart = MonotonicClock.now()
    let program = try runner.program(for: spec)
    program.run()
    let buildSeconds = MonotonicClock.seconds(since: buildStart)
    let point = try runner.measure(spec, sampler: sampler, sequence: 0)
    // After a stop signal nothing more runs: no profiled steps, no second peak, no output check.
    let interrupted = point.measurement.stopReason == .interrupted || Interruption.isRequested
    let breakdown =
      interrupted
      ? .none : program.profile(steps: profileSteps) { MonotonicClock.now() }
    let peak = interrupted ? [before] : [before, PeakSGEMM.measure(threads: spec.threads.threads)]
    let outputError = interrupted ? nil : try runner.outputError(spec, batch: min(spec.batch, 2))
    return ModelTimingResult(
      point: point, sampler: sampler, binding: binding,
      derived: DerivedMetrics.compute(
        counters: point.measurement.counters, secondsPerCall: point.seconds,
        windowSeconds: point.measurement.counterSeconds, flopsPerCall: point.counts.flopsPerStep),
      fingerprint: fingerprint.finished(), peak: peak, breakdown: breakdown,
      outputError: outputError, buildSeconds: buildSeconds, notes: notes(program.plan))
  }

  /// The report notes for a plan: what vanilla LRD keeps, how layers are counted.
  package static func notes(_ plan: NetworkPlan) -> [String] {
    var notes: [String] = []
    if plan.variant.isDecomposed {
      notes.append(
        "The stem convolution (conv1, 7×7) is kept original in every decomposed variant; bottleneck 1×1 "
          + "convolutions\(plan.variant.merged ? " outside merged blocks" : ""), downsample shortcuts and fc are "
          + "SVD-decomposed and 3×3 convolutions Tucker-2-decomposed (docs/methods.md \"Numerics\").")
    }
    if plan.variant.merged {
      notes.append(
        "Merged blocks run three convolutions (conv1' = conv1·U_in, the Tucker-2 core, conv3' = U_outᵀ·conv3) "
          + "with BN1/BN2 narrowed to r1/r2 channels; fc is SVD-decomposed, so the count is one above the "
          + "original's.")
    }
    if !plan.originalBlocks.isEmpty && plan.variant.isDecomposed {
      notes.append(
        "Optimized ranks kept conv2 original (ORG) in: \(plan.originalBlocks.joined(separator: ", ")).")
    }
    notes.append(
      "Layers are counted as the paper counts them: weight layers on the main path (the stem, every factor "
        + "of the bottleneck convolutions, every factor of fc), downsample shortcuts excluded.")
    return notes
  }
}
