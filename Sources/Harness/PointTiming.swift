import Machine
import Profiling

/// The result of `lrd-bench time`: one point, its counters and the machine.
package struct PointTimingResult: Codable, Sendable {
  /// The schema string of `time --format json`.
  package static let schemaVersion = "lrd-bench/time@1"
  /// The schema of this result.
  package var schema = PointTimingResult.schemaVersion
  package var point: PointResult
  /// How it was sampled.
  package var sampler: SamplerConfiguration
  /// The binding read back for its thread config.
  package var binding: BindingRecord
  /// Metrics derived from counters, where measured.
  package var derived: [DerivedMetric]
  /// The machine it ran on.
  package var fingerprint: MachineFingerprint
  /// The layer, as stored in results.
  package var layer: LayerSpecSnapshot
}

package enum PointTiming {
  /// Validates `spec` against the catalog, applies its thread config and measures it.
  package static func run(
    _ spec: PointSpec, sampler: SamplerConfiguration, events: [String], topology: Topology
  ) throws -> PointTimingResult {
    let runner = PointRunner(model: spec.model, onnx: spec.onnx, events: events, topology: topology.summary)
    let layer = try runner.layer(named: spec.layer)
    try spec.factorization.validate(for: layer)
    try MemoryEstimate.check(
      MemoryEstimate.layerProgram(layer, spec.factorization, batch: spec.batch, mode: spec.mode),
      for: "\(spec.layer) at batch \(spec.batch) (\(spec.mode))", reduce: .batch)
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let binding = try topology.apply(spec.threads)
    let point = try runner.measure(spec, sampler: sampler, binding: binding, sequence: 0)
    return PointTimingResult(
      point: point, sampler: sampler, binding: binding,
      derived: DerivedMetrics.compute(
        counters: point.measurement.counters, secondsPerCall: point.seconds,
        windowSeconds: point.measurement.counterSeconds, flopsPerCall: point.flopsPerCall),
      fingerprint: fingerprint.finished(), layer: SweepRunner.snapshot(layer, ratio: 2))
  }
}
