import Foundation
import Harness
import Profiling
import Programs
import Results

/// `lrd-bench model --onnx FILE`: the imported network and its vanilla LRD, timed paired.
package enum ImportedNetworkReport {
  /// The text report.
  package static func text(_ r: ImportedNetworkTimingResult) -> String {
    func line(_ name: String, _ m: PointMeasurementView, flops: Int) -> String {
      "  \(name)  \(Format.duration(m.median)) per batch  \(m.ci)  "
        + "\(Format.fixed(Double(r.batch) / m.median, 1)) images/s  "
        + "\(Format.fixed(Double(flops) / m.median / 1e9, 1)) GFLOP/s"
    }
    let original = PointMeasurementView(r.original)
    let lrd = PointMeasurementView(r.lrd)
    let speedup = r.comparison.speedup
    let training = r.step == .training
    var lines = [
      "\(r.file) as \(r.mode == .eager ? "an eager" : "a fused") \(training ? "training" : "inference") graph ("
        + (r.mode == .eager
          ? "every operation its own pass, as a framework runs it"
          : "batch norm folded into the convolutions with the ReLU after it, other ReLUs in place, add + ReLU in one pass")
        + (training
          ? "; one step: forward, softmax cross-entropy on fixed random labels, backward and an SGD update"
          : "")
        + "), batch \(r.batch), \(r.threads)",
      "  variant \(r.variant ?? "lrd"), "
        + (r.optimizedFrom.map { "ranks from \($0)" } ?? "ranks at α = \(Format.fixed(r.ratio, 2))")
        + ": \(r.decomposedLayers.count) layers decomposed (SVD for 1×1 and linear, Tucker-2 or branched "
        + "Tucker-2 for k×k), \(r.keptLayers.count) kept original ("
        + r.keptLayers.prefix(4).joined(separator: ", ") + (r.keptLayers.count > 4 ? ", …" : "")
        + "); output vs the original: relative error \(Format.fixed(r.outputError, 4)) (inference, one seeded "
        + "batch)",
    ]
    if let original = r.originalParameters, let variant = r.lrdParameters {
      lines.append(
        "  parameters \(Self.count(original)) → \(Self.count(variant)) ("
          + Format.signedPercent((Double(variant) / Double(original) - 1) * 100) + ")")
    }
    if let merge = r.merge {
      lines.append(
        "  merged \(merge.merged.count) bottleneck\(merge.merged.count == 1 ? "" : "s")"
          + (merge.merged.isEmpty ? "" : " (around " + merge.merged.joined(separator: ", ") + ")")
          + "; fresh batch norms inside them (γ = 1, β = 0, as before fine-tuning), so the output error is not an "
          + "accuracy estimate")
      for refusal in merge.notMerged {
        lines.append("    not merged: \(refusal.layer) \(refusal.reason)")
      }
    }
    lines += [
      "",
      line("original   ", original, flops: r.originalFlops),
      line("variant    ", lrd, flops: r.lrdFlops),
      "  speed-up \(Format.ratio(speedup)) [\(Format.ratio(1 / r.comparison.ratioCI.upper)), "
        + "\(Format.ratio(1 / r.comparison.ratioCI.lower))] (paired, \(r.comparison.pairs) pairs); FLOPs "
        + Format.signedPercent((Double(r.lrdFlops) / Double(r.originalFlops) - 1) * 100),
      "  peak sgemm \(r.peak.first?.size ?? 0)³ on the same threads: "
        + r.peak.map { Format.fixed($0.gflops, 1) }.joined(separator: " / ") + " GFLOP/s (before / after)",
      "",
    ]
    lines += FingerprintText.header(r.fingerprint)
    return lines.joined(separator: "\n") + "\n"
  }

  /// A parameter count: in millions from 100 000, as is below.
  static func count(_ n: Int) -> String { n >= 100_000 ? Format.fixed(Double(n) / 1e6, 2) + " M" : "\(n)" }

  /// The result as JSON.
  package static func json(_ r: ImportedNetworkTimingResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}

/// A measurement's median and its CI in words.
struct PointMeasurementView {
  let median: Double
  let ci: String

  init(_ measurement: PointMeasurement) {
    median = measurement.statistics.median
    ci = Format.medianCI(measurement.statistics)
  }
}
