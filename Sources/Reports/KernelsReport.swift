import Foundation
import Harness
import Programs
import Results

/// `lrd-bench kernels`: per distinct layer shape, kernel GFLOP/s as a fraction of the machine's peak
/// (a 2048³ sgemm on the same threads, measured in the same run), and against a same-shape sgemm
/// where that is not the kernel's own call.
public enum KernelsReport {
  static func layerLabel(_ row: KernelRow) -> String {
    row.layers.count == 1 ? row.layers[0] : "\(row.layers[0]) (+\(row.layers.count - 1))"
  }

  public static func text(_ r: KernelBenchmarkResult) -> String {
    let peak = r.peakGFLOPS
    var lines = [
      "Kernels of \(r.model) at batch \(r.batch), \(r.mode), \(r.threads) (binding \(r.binding.verified ? "verified" : "NOT verified")); "
        + "\(r.fingerprint.buildConfiguration) build."
    ]
    lines += FingerprintText.header(r.fingerprint)
    lines.append(
      "Peak: sgemm 2048³ on \(r.threads.threads) thread\(r.threads.threads == 1 ? "" : "s") = "
        + r.peak.map { Format.fixed($0.gflops, 1) }.joined(separator: " and ")
        + " GFLOP/s (before and after the kernels; mean \(Format.fixed(peak, 1))). "
        + "% of peak = kernel GFLOP/s / mean peak. Same-shape sgemm: a plain cblas_sgemm of the same M×N×K"
        + (r.mode == .training ? " (three GEMMs in training)" : "")
        + " measured paired with the kernel, shown where it is not the kernel's own call.")
    lines.append("")
    var table = TextTable(
      header: [
        "layer", "shape", "M×N×K", "kernel", "GFLOP/s", "% of peak", "vs same-shape sgemm (95% CI)", "im2col",
      ],
      rightAligned: [3, 4, 5, 7])
    for row in r.rows {
      table.append([
        layerLabel(row), row.shape, "\(row.m)×\(row.n)×\(row.k)", Format.duration(row.kernel.median),
        Format.fixed(row.kernelGFLOPS, 1), Format.percent(row.kernelGFLOPS / peak, digits: 1),
        row.sameShape.map {
          "\(Format.percent($0.efficiency, digits: 1)) [\(Format.percent(1 / $0.comparison.ratioCI.upper, digits: 1)), "
            + "\(Format.percent(1 / $0.comparison.ratioCI.lower, digits: 1))]"
        } ?? "— (is one sgemm)",
        row.im2colSeconds.map {
          "\(Format.duration($0)) (\(Format.percent($0 / row.kernel.median, digits: 1)))"
        } ?? "—",
      ])
    }
    lines.append(table.text)
    let totals = r.totals
    let gflops = totals.flops / totals.seconds / 1e9
    lines.append(
      "Whole model (every layer, shapes weighted by count): \(Format.duration(totals.seconds)), "
        + "\(Format.fixed(gflops, 1)) GFLOP/s = \(Format.percent(gflops / peak, digits: 1)) of peak.")
    if let most = r.rows.compactMap(\.allocationsPerCall).max(), most > 0 {
      lines.append(
        "Heap allocations per call: up to \(Format.fixed(most, 2)) (OpenBLAS's threaded driver allocates a job "
          + "table per multi-threaded GEMM; the kernels themselves allocate nothing).")
    }
    if r.interrupted { lines.append("Interrupted: only the shapes above were measured.") }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func csv(_ r: KernelBenchmarkResult) -> String {
    var table = CSVTable(header: [
      "layers", "shape", "m", "n", "k", "pointwise", "flops_per_call", "kernel_median_s",
      "kernel_ci_half_width_pct",
      "kernel_gflops", "peak_gflops", "fraction_of_peak", "sgemm_median_s", "efficiency_vs_sgemm",
      "efficiency_ci_low", "efficiency_ci_high", "im2col_median_s", "allocations_per_call",
    ])
    for row in r.rows {
      let same = row.sameShape
      table.append([
        row.layers.joined(separator: " "), row.shape, String(row.m), String(row.n), String(row.k),
        String(row.pointwise), String(row.flopsPerCall), String(format: "%.6e", row.kernel.median),
        Format.fixed(row.kernel.relativeHalfWidth * 100, 3), Format.fixed(row.kernelGFLOPS, 2),
        Format.fixed(r.peakGFLOPS, 2), Format.fixed(row.kernelGFLOPS / r.peakGFLOPS, 4),
        same.map { String(format: "%.6e", $0.gemm.median) } ?? "",
        same.map { Format.fixed($0.efficiency, 4) } ?? "",
        same.map { Format.fixed(1 / $0.comparison.ratioCI.upper, 4) } ?? "",
        same.map { Format.fixed(1 / $0.comparison.ratioCI.lower, 4) } ?? "",
        row.im2colSeconds.map { String(format: "%.6e", $0) } ?? "",
        row.allocationsPerCall.map { Format.fixed($0, 3) } ?? "",
      ])
    }
    return table.text
  }

  public static func json(_ r: KernelBenchmarkResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}
