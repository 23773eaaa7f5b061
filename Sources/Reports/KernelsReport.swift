import Foundation
import Harness
import Programs
import Results

/// `lrd-bench kernels`: per distinct layer shape, kernel GFLOP/s as a fraction of the machine's peak
/// (a 2048³ sgemm on the same threads, measured in the same run), and against a same-shape sgemm
/// where that is not the kernel's own call.
package enum KernelsReport {
  static func layerLabel(_ row: KernelRow) -> String {
    row.layers.count == 1 ? row.layers[0] : "\(row.layers[0]) (+\(row.layers.count - 1))"
  }

  /// Every kernel's GFLOP/s and fraction of peak (per backend), as text.
  package static func text(_ r: KernelBenchmarkResult) -> String {
    let peak = r.peakGFLOPS
    var lines = [
      "Kernels of \(r.onnx.map { "\($0)" } ?? r.model.description) at batch \(r.batch), \(r.mode), \(r.threads) (binding \(r.binding.verified ? "verified" : "NOT verified")); "
        + "\(r.fingerprint.buildConfiguration) build."
    ]
    lines += FingerprintText.header(r.fingerprint)
    lines.append(
      "Peak: sgemm 2048³ on \(r.threads.threads) thread\(r.threads.threads == 1 ? "" : "s") = "
        + r.peak.map { Format.fixed($0.gflops, 1) }.joined(separator: " and ")
        + " GFLOP/s (before and after the kernels; mean \(Format.fixed(peak, 1))). "
        + "% of peak = kernel GFLOP/s / mean peak. Same-shape sgemm: a plain sgemm of the same M×N×K on the same backend"
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
    let implementations = OrderedCounts(r.rows.compactMap(\.implementation))
    if !implementations.isEmpty {
      lines.append(
        "Implementations: "
          + implementations.map { "\($0.key) (\($0.count) shape\($0.count == 1 ? "" : "s"))" }.joined(
            separator: ", ")
          + ".")
    }
    if let most = r.rows.compactMap(\.allocationsPerCall).max(), most > 0 {
      let openBLAS = r.fingerprint.kernelBackend == .openblas
      lines.append(
        "Heap allocations per call: up to \(Format.fixed(most, 2)) ("
          + (openBLAS
            ? "OpenBLAS's threaded driver allocates a job table per multi-threaded GEMM"
            : "inside \(r.fingerprint.gemmBackend ?? "the backend")'s own calls")
          + "; lrd-bench's kernels allocate nothing of their own).")
    }
    if r.interrupted { lines.append("Interrupted: only the shapes above were measured.") }
    return lines.joined(separator: "\n") + "\n"
  }

  /// One CSV row per kernel and backend.
  package static func csv(_ r: KernelBenchmarkResult) -> String {
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

  /// The kernel benchmark as JSON, every sample included.
  package static func json(_ r: KernelBenchmarkResult) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(r), as: UTF8.self) + "\n"
  }
}

extension KernelsReport {
  /// `kernels --backend all`: per shape, each backend's GFLOP/s and % of the machine's peak (the best
  /// 2048³ sgemm of the run, whatever its backend), and the fastest backend.
  package static func backendsText(_ results: [KernelBenchmarkResult]) -> String {
    guard let first = results.first else { return "" }
    let peak = results.flatMap(\.peak).map(\.gflops).max() ?? .nan
    let names = results.map { $0.fingerprint.gemmBackend ?? "?" }
    var lines = [
      "Kernels of \(first.onnx.map { "\($0)" } ?? first.model.description) at batch \(first.batch), \(first.mode), \(first.threads), on \(results.count) kernel backends.",
      "Backends: \(names.joined(separator: "; ")).",
    ]
    lines += FingerprintText.header(first.fingerprint)
    lines.append(
      "Peak: the best 2048³ sgemm of the run, \(Format.fixed(peak, 1)) GFLOP/s (per backend: "
        + zip(names, results).map {
          "\($0) \($1.peak.map { Format.fixed($0.gflops, 1) }.joined(separator: "/"))"
        }
        .joined(separator: "; ") + ").")
    lines.append("")
    var table = MarkdownTable(
      header: ["layer", "shape"] + names.flatMap { ["\($0) GFLOP/s", "% of peak"] } + ["fastest"],
      alignment: [.left, .left] + names.flatMap { _ in [MarkdownTable.Alignment.right, .right] } + [.left])
    for (index, row) in first.rows.enumerated() {
      let rates = results.map { index < $0.rows.count ? $0.rows[index].kernelGFLOPS : .nan }
      let best = rates.indices.max { rates[$0] < rates[$1] }.map { names[$0] } ?? "—"
      table.append(
        [row.layers.first ?? "", row.shape]
          + rates.flatMap { [Format.fixed($0, 1), Format.percent($0 / peak, digits: 1)] } + [best])
    }
    let totals = results.map { Double($0.totals.flops) / $0.totals.seconds / 1e9 }
    table.append(
      ["whole model", ""] + totals.flatMap { [Format.fixed($0, 1), Format.percent($0 / peak, digits: 1)] }
        + [totals.indices.max { totals[$0] < totals[$1] }.map { names[$0] } ?? "—"])
    lines.append(table.text)
    for result in results {
      let implementations = OrderedCounts(
        result.rows.compactMap(\.implementation).filter { $0 != "GEMM" && $0 != "im2col + GEMM" })
      guard !implementations.isEmpty else { continue }
      lines.append(
        "\(result.fingerprint.gemmBackend ?? "?") implementations: "
          + implementations.map { "\($0.key) (\($0.count) shape\($0.count == 1 ? "" : "s"))" }.joined(
            separator: ", ")
          + ".")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The same as CSV: one row per shape and backend.
  package static func backendsCSV(_ results: [KernelBenchmarkResult]) -> String {
    var table = CSVTable(header: [
      "backend", "layer", "shape", "m", "n", "k", "median_s", "gflops", "peak_gflops",
    ])
    let peak = results.flatMap(\.peak).map(\.gflops).max() ?? .nan
    for result in results {
      for row in result.rows {
        table.append([
          result.fingerprint.gemmBackend ?? "", row.layers.first ?? "", row.shape, "\(row.m)", "\(row.n)",
          "\(row.k)",
          String(format: "%.9f", row.kernel.median), String(format: "%.3f", row.kernelGFLOPS),
          String(format: "%.3f", peak),
        ])
      }
    }
    return table.text
  }

  /// Every backend's full result.
  package static func json(_ results: [KernelBenchmarkResult]) throws -> String {
    String(decoding: try JSONCoding.encoder.encode(results), as: UTF8.self) + "\n"
  }
}

/// Distinct strings with how often each occurs, in order of first occurrence.
struct OrderedCounts: Sequence {
  var entries: [(key: String, count: Int)] = []

  init(_ values: [String]) {
    for value in values {
      if let i = entries.firstIndex(where: { $0.key == value }) {
        entries[i].count += 1
      } else {
        entries.append((value, 1))
      }
    }
  }

  var isEmpty: Bool { entries.isEmpty }

  func makeIterator() -> IndexingIterator<[(key: String, count: Int)]> { entries.makeIterator() }
}
