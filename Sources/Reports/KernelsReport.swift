import Foundation
import Harness

/// `lrd-bench kernels`: per distinct layer shape, kernel GFLOP/s next to same-shape sgemm GFLOP/s.
public enum KernelsReport {
  static func layerLabel(_ row: KernelRow) -> String {
    row.layers.count == 1 ? row.layers[0] : "\(row.layers[0]) (+\(row.layers.count - 1))"
  }

  public static func text(_ r: KernelBenchmarkResult) -> String {
    var lines = [
      "Kernels of \(r.model) at batch \(r.batch), \(r.mode), \(r.threads) (binding \(r.binding.verified ? "verified" : "NOT verified")); "
        + "OpenBLAS \(r.fingerprint.openBLAS.version) (\(r.fingerprint.openBLAS.coreName)), \(r.fingerprint.buildConfiguration) build.",
      FingerprintText.blasCore(r.fingerprint) + ".",
      "Each kernel is measured interleaved with a plain cblas_sgemm of the same M×N×K"
        + (r.mode == .training ? " (three GEMMs: forward, backward-data, backward-weights)" : "")
        + "; efficiency = sgemm time / kernel time (95% CI from a bootstrap of the paired samples).",
      "",
    ]
    var table = TextTable(
      header: [
        "layer", "shape", "M×N×K", "kernel", "GFLOP/s", "sgemm", "GFLOP/s", "efficiency", "95% CI", "im2col",
      ],
      rightAligned: [3, 4, 5, 6, 7, 9])
    for row in r.rows {
      let ci = row.comparison.ratioCI
      table.append([
        layerLabel(row), row.shape, "\(row.m)×\(row.n)×\(row.k)", Format.duration(row.kernel.median),
        Format.fixed(row.kernelGFLOPS, 1), Format.duration(row.gemm.median), Format.fixed(row.gemmGFLOPS, 1),
        Format.percent(row.efficiency, digits: 1),
        "\(Format.percent(1 / ci.upper, digits: 1))–\(Format.percent(1 / ci.lower, digits: 1))",
        row.im2colSeconds.map {
          "\(Format.duration($0)) (\(Format.percent($0 / row.kernel.median, digits: 1)))"
        } ?? "—",
      ])
    }
    lines.append(table.text)
    let totals = r.totals
    lines.append(
      "Whole model (every layer, shapes weighted by count): kernels \(Format.duration(totals.kernel)) "
        + "(\(Format.fixed(totals.flops / totals.kernel / 1e9, 1)) GFLOP/s), sgemm \(Format.duration(totals.gemm)) "
        + "(\(Format.fixed(totals.flops / totals.gemm / 1e9, 1)) GFLOP/s), efficiency \(Format.percent(totals.gemm / totals.kernel, digits: 1))."
    )
    if r.interrupted { lines.append("Interrupted: only the shapes above were measured.") }
    return lines.joined(separator: "\n") + "\n"
  }

  public static func csv(_ r: KernelBenchmarkResult) -> String {
    var table = CSVTable(header: [
      "layers", "shape", "m", "n", "k", "pointwise", "flops_per_call", "kernel_median_s",
      "kernel_ci_half_width_pct",
      "kernel_gflops", "sgemm_median_s", "sgemm_gflops", "efficiency", "efficiency_ci_low",
      "efficiency_ci_high",
      "im2col_median_s",
    ])
    for row in r.rows {
      table.append([
        row.layers.joined(separator: " "), row.shape, String(row.m), String(row.n), String(row.k),
        String(row.pointwise),
        String(row.flopsPerCall), String(format: "%.6e", row.kernel.median),
        Format.fixed(row.kernel.relativeHalfWidth * 100, 3),
        Format.fixed(row.kernelGFLOPS, 2), String(format: "%.6e", row.gemm.median),
        Format.fixed(row.gemmGFLOPS, 2),
        Format.fixed(row.efficiency, 4), Format.fixed(1 / row.comparison.ratioCI.upper, 4),
        Format.fixed(1 / row.comparison.ratioCI.lower, 4),
        row.im2colSeconds.map { String(format: "%.6e", $0) } ?? "",
      ])
    }
    return table.text
  }

  public static func json(_ r: KernelBenchmarkResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}
