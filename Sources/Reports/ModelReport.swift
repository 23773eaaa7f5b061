import Foundation
import Harness
import Programs
import Results
import Tensors

/// `lrd-bench model`: one whole-network point, where its time goes, the peak and the fingerprint.
package enum ModelReport {
  /// A network's timing as text: time per step with its CI, images/s, counts, fraction of peak, breakdown,
  /// allocations.
  package static func text(_ r: ModelTimingResult) -> String {
    let p = r.point
    let s = p.measurement.statistics
    let m = p.measurement
    let c = p.counts
    var lines: [String] = []
    lines.append(
      "\(p.spec.model.displayName) as \(p.spec.variant)\(variantNote(p.spec)), \(p.spec.mode), batch \(p.spec.batch), "
        + "\(p.spec.threads)")
    lines.append(
      "  \(c.layers) layers (paper count), \(Format.fixed(Double(c.parameters) / 1e6, 2)) M parameters, "
        + "\(Format.fixed(Double(c.flopsPerImage) / 1e9, 2)) GFLOPs per image, "
        + "\(Format.fixed(Double(c.flopsPerStep) / 1e9, 1)) GFLOP per step; output vs the original network: "
        + (r.outputError.map { "relative error \(Format.fixed($0, 4)) (inference, one batch)" }
          ?? "not checked (interrupted)"))
    lines.append(
      "  built in \(Format.duration(r.buildSeconds)) (decompositions, buffers allocated and touched)")
    lines.append("")
    lines.append(
      "  step     \(Format.duration(s.median))   \(Format.medianCI(s))   "
        + "\(Format.fixed(p.imagesPerSecond, 1)) images/s")
    lines.append(
      "  min \(Format.duration(s.minimum))  mean \(Format.duration(s.mean))  max \(Format.duration(s.maximum))  "
        + "CV \(Format.percent(s.cv)); \(s.count) samples × \(m.callsPerSample) step\(m.callsPerSample == 1 ? "" : "s"); "
        + "stopped: \(m.stopReason.rawValue) after \(Format.duration(m.elapsedSeconds))"
        + (m.reachedTarget
          ? "" : " (CI target ±\(Format.percent(r.sampler.targetRelativeHalfWidth, digits: 1)) not reached)"))
    let peak = r.peak.map { Format.fixed($0.gflops, 1) }.joined(separator: " / ")
    lines.append(
      "  \(Format.fixed(p.gflops, 1)) GFLOP/s = \(Format.percent(r.fractionOfPeak, digits: 1)) of the machine's peak "
        + "(sgemm \(r.peak.first?.size ?? 0)³ on the same threads, before / after: \(peak) GFLOP/s)")
    lines.append("")
    lines.append(
      r.breakdown.steps == 0
        ? "Where a step's time goes: not profiled (interrupted)"
        : "Where a step's time goes (\(r.breakdown.steps) profiled step\(r.breakdown.steps == 1 ? "" : "s")):"
    )
    for entry in r.breakdown.seconds {
      lines.append(
        "  \(entry.kind.description.padding(toLength: 34, withPad: " ", startingAt: 0)) "
          + "\(Format.percent(r.breakdown.fraction(entry.kind), digits: 1).leftPadded(6))   \(Format.duration(entry.seconds))"
      )
    }
    let openBLAS = r.fingerprint.kernelBackend == .openblas
    let onednn = r.fingerprint.kernelBackend == .onednn
    lines.append(
      onednn
        ? "  (on oneDNN \"conv/linear GEMM\" is its convolution primitives, weight reorders included; they use no "
          + "im2col, whose row times a no-op)"
        : "  (im2col is timed by packing each convolution's columns once more; col2im counts under GEMM)")
    lines.append("")
    lines += TimeReport.counterLines(m, per: "step")
    if let allocations = m.usage.allocationsPerCall, allocations > 0, !openBLAS {
      lines.append("  (the allocations are inside \(r.fingerprint.gemmBackend ?? "the backend")'s own calls)")
    } else if let allocations = m.usage.allocationsPerCall, allocations > 0, p.spec.threads.threads > 1 {
      lines.append(
        "  (the allocations are OpenBLAS's: its threaded level-3 driver mallocs a job array on every sgemm call "
          + "when built with USE_ALLOC_HEAP, as Debian's is; with one thread a step allocates nothing)")
    }
    for metric in r.derived {
      lines.append("  \(metric.name): \(Format.fixed(metric.value, 3)) \(metric.unit)")
    }
    lines.append("")
    if let choices = p.spec.layerBackends {
      lines.append(
        "Kernel backends per layer (the fastest per layer): \(BestBackends.summary(choices)) layers; a decomposed layer's "
          + "factors run on the layer's backend.")
      lines.append("")
    }
    lines.append("Notes:")
    for note in r.notes { lines.append("  - " + note) }
    lines.append("")
    lines.append(
      "Binding: planned PUs \(r.binding.plannedProcessingUnits), BLAS threads \(r.binding.blasThreadAffinity)\(BindingText.poolWorkers(r.binding)) — "
        + (r.binding.verified ? "verified" : "NOT verified"))
    for line in FingerprintText.header(r.fingerprint) { lines.append("  " + line) }
    for line in BackendCheckText.lines(r.backendCheck) { lines.append("  " + line) }
    return lines.joined(separator: "\n") + "\n"
  }

  /// " (optimized ranks, robust policy)" for optimized variants; empty otherwise.
  static func variantNote(_ spec: ModelSpec) -> String {
    guard case .optimized = spec.variant.ranks else { return "" }
    return " (\(spec.policy) choices)"
  }

  /// The same as JSON, every sample included.
  package static func json(_ r: ModelTimingResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}

extension String {
  /// The string right-aligned in `width` characters.
  func leftPadded(_ width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}
