import Foundation
import Harness
import Machine
import Results
import Statistics
import Store

/// A stored run in formats that other tools read.
///
/// The formats:
///
/// * `gbench`: Google Benchmark JSON (`context` and `benchmarks[]`): one `iteration` row per sample
///   (`iterations` = calls in that sample, times per call) and `aggregate` rows (median, mean, stddev,
///   cv), names like `resnet50/layer4.2.conv2/tucker2:309,309/b8/t2/inference`; `cpu_time` repeats
///   `real_time` (lrd-bench times wall-clock only); counters as extra keys of the median row.
/// * `bmf`: the Bencher Metric Format: per benchmark, `latency` in nanoseconds with the median's 95%
///   CI as lower/upper values, and `throughput` (calls per second).
/// * `json`: lrd-bench's own (the run and every point with all samples); `compare` reads it back.
package enum RunExport {
  /// An export format (`export --format`).
  package enum Format: String, CaseIterable, Sendable {
    case gbench
    case bmf
    case json
  }

  /// The run and its points as lrd-bench's own JSON (`lrd-bench/export@1`).
  package struct Document: Codable, Sendable {
    /// The schema string of the JSON export.
    package static let schemaVersion = "lrd-bench/export@1"
    /// The schema of this document.
    package var schema = Document.schemaVersion
    package var run: RunRecord
    /// Every point of the run, with all samples.
    package var points: [PointRecord]

    /// A document of `run` and its points.
    package init(run: RunRecord, points: [PointRecord]) {
      self.run = run
      self.points = points
    }
  }

  /// The run in `format`, as text.
  package static func render(_ format: Format, run: RunRecord, points: [PointRecord]) throws -> String {
    switch format {
    case .json:
      return String(
        decoding: try JSONCoding.encoder.encode(Document(run: run, points: points)), as: UTF8.self) + "\n"
    case .bmf:
      return try bmf(run: run, points: points)
    case .gbench:
      return try gbench(run: run, points: points)
    }
  }

  /// A benchmark name from a point's spec: `model/layer/factorization/bB/tT/mode` for layers,
  /// `model/variant/bB/tT/mode` for networks; the suite's point name when the spec is neither.
  package static func benchmarkName(_ point: PointRecord) -> String {
    let data = Data(point.spec.utf8)
    if let spec = try? JSONCoding.decoder.decode(PointSpec.self, from: data) {
      return
        "\(spec.model)/\(spec.layer)/\(spec.factorization)/b\(spec.batch)/t\(spec.threads.threads)/\(spec.mode)"
        + (spec.frozen == .none ? "" : "/frozen=\(spec.frozen)")
    }
    if let spec = try? JSONCoding.decoder.decode(ModelSpec.self, from: data) {
      return "\(spec.model)/\(spec.variant)/b\(spec.batch)/t\(spec.threads.threads)/\(spec.mode)"
    }
    return point.name
  }

  static func threads(_ point: PointRecord) -> Int {
    let data = Data(point.spec.utf8)
    if let spec = try? JSONCoding.decoder.decode(PointSpec.self, from: data) { return spec.threads.threads }
    if let spec = try? JSONCoding.decoder.decode(ModelSpec.self, from: data) { return spec.threads.threads }
    return 1
  }

  static func bmf(run: RunRecord, points: [PointRecord]) throws -> String {
    var document: [String: [String: [String: Double]]] = [:]
    for point in points {
      document[benchmarkName(point)] = [
        "latency": [
          "value": point.median * 1e9, "lower_value": point.ciLow * 1e9, "upper_value": point.ciHigh * 1e9,
        ],
        "throughput": [
          "value": 1 / point.median, "lower_value": 1 / point.ciHigh, "upper_value": 1 / point.ciLow,
        ],
      ]
    }
    return String(decoding: try JSONCoding.encoder.encode(document), as: UTF8.self) + "\n"
  }

  static func gbench(run: RunRecord, points: [PointRecord]) throws -> String {
    let fingerprint = try? JSONCoding.decoder.decode(
      MachineFingerprint.self, from: Data(run.fingerprint.utf8))
    var context: [String: GBValue] = [
      "date": .string(run.startedAt), "host_name": .string(fingerprint?.hostname ?? ""),
      "executable": .string("lrd-bench run \(run.suite)"),
      "num_cpus": .int(fingerprint?.processingUnits ?? 0),
      "mhz_per_cpu": .int(0), "cpu_scaling_enabled": .bool(false), "library_build_type": .string(run.build),
      "lrd_bench_run": .int(Int(run.id)), "lrd_bench_machine_key": .string(run.machineKey),
      "lrd_bench_commit": .string(run.commit), "caches": .array([]), "load_avg": .array([]),
    ]
    if let fingerprint { context["cpu_model"] = .string(fingerprint.cpuModel) }
    var benchmarks: [GBValue] = []
    for (family, point) in points.enumerated() {
      let name = benchmarkName(point)
      let common: [String: GBValue] = [
        "family_index": .int(family), "per_family_instance_index": .int(0), "run_name": .string(name),
        "repetitions": .int(point.samples.count), "threads": .int(threads(point)), "time_unit": .string("ms"),
      ]
      for (index, seconds) in point.samples.enumerated() {
        var row = common
        row["name"] = .string(name)
        row["run_type"] = .string("iteration")
        row["repetition_index"] = .int(index)
        row["iterations"] = .int(point.callsPerSample)
        row["real_time"] = .double(seconds * 1e3)
        row["cpu_time"] = .double(seconds * 1e3)
        benchmarks.append(.object(row))
      }
      let statistics = SampleStatistics(point.samples)
      let aggregates: [(String, Double, String)] = [
        ("median", statistics.median * 1e3, "time"), ("mean", statistics.mean * 1e3, "time"),
        ("stddev", statistics.standardDeviation * 1e3, "time"), ("cv", statistics.cv, "percentage"),
      ]
      for (aggregate, value, unit) in aggregates {
        var row = common
        row["name"] = .string("\(name)_\(aggregate)")
        row["run_type"] = .string("aggregate")
        row["aggregate_name"] = .string(aggregate)
        row["aggregate_unit"] = .string(unit)
        row["iterations"] = .int(point.samples.count)
        row["real_time"] = .double(value)
        row["cpu_time"] = .double(value)
        if aggregate == "median" {
          let counters =
            (try? JSONCoding.decoder.decode([CounterReading].self, from: Data(point.counters.utf8))) ?? []
          for counter in counters {
            if let perCall = counter.perCall, perCall.isFinite { row[counter.name] = .double(perCall) }
          }
        }
        benchmarks.append(.object(row))
      }
    }
    let document = GBValue.object(["context": .object(context), "benchmarks": .array(benchmarks)])
    return String(decoding: try JSONCoding.encoder.encode(document), as: UTF8.self) + "\n"
  }
}

/// A JSON value for documents whose keys are data (counters as extra keys).
enum GBValue: Encodable {
  case string(String)
  case int(Int)
  case double(Double)
  case bool(Bool)
  case array([GBValue])
  case object([String: GBValue])

  func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .string(let v): try container.encode(v)
    case .int(let v): try container.encode(v)
    case .double(let v): try container.encode(v)
    case .bool(let v): try container.encode(v)
    case .array(let v): try container.encode(v)
    case .object(let v): try container.encode(v)
    }
  }
}
