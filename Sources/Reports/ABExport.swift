import Foundation
import Machine
import Results
import Statistics
import Store
import Suites

/// `lrd-bench export ab#ID`: a stored A/B run with both builds' samples per round.
package enum ABExport {
  /// The JSON document: the comparison and every measurement (build, round, samples).
  package struct Document: Codable, Sendable {
    package static let schemaVersion = "lrd-bench/ab-export@1"
    /// The schema of this document.
    package var schema = Document.schemaVersion
    /// The comparison over rounds.
    package var comparison: ABResult
    /// Every measurement, in the order it was taken.
    package var measurements: [ABMeasurementRecord]
  }

  /// The A/B run in `format`.
  package static func render(
    _ format: RunExport.Format, result: ABResult, measurements: [ABMeasurementRecord]
  )
    throws -> String
  {
    switch format {
    case .json:
      return String(
        decoding: try JSONCoding.encoder.encode(Document(comparison: result, measurements: measurements)),
        as: UTF8.self) + "\n"
    case .bmf:
      var document: [String: [String: [String: Double]]] = [:]
      for p in result.points where p.failure == nil {
        let c = p.comparison
        document[p.name] = [
          "latency_base": ["value": p.baseMedian * 1e9],
          "latency_new": ["value": p.newMedian * 1e9],
          "ratio": ["value": c.ratio, "lower_value": c.lower, "upper_value": c.upper],
        ]
      }
      return String(decoding: try JSONCoding.encoder.encode(document), as: UTF8.self) + "\n"
    case .gbench:
      return try gbench(result, measurements)
    }
  }

  /// Google Benchmark JSON with both builds: `<point>/base` and `<point>/new`, one iteration row per round (the
  /// round's median; repetition index = round) and a median aggregate each.
  static func gbench(_ r: ABResult, _ measurements: [ABMeasurementRecord]) throws -> String {
    let fingerprint = try? JSONCoding.decoder.decode(
      MachineFingerprint.self, from: Data(r.run.fingerprint.utf8))
    var context: [String: GBValue] = [
      "date": .string(r.run.startedAt), "host_name": .string(fingerprint?.hostname ?? ""),
      "executable": .string("lrd-bench ab \(r.run.suite)"),
      "num_cpus": .int(fingerprint?.processingUnits ?? 0),
      "mhz_per_cpu": .int(0), "cpu_scaling_enabled": .bool(false), "library_build_type": .string(r.new.build),
      "lrd_bench_ab_run": .int(Int(r.run.id)), "lrd_bench_machine_key": .string(r.run.machineKey),
      "lrd_bench_base_commit": .string(r.base.commit), "lrd_bench_new_commit": .string(r.new.commit),
      "caches": .array([]), "load_avg": .array([]),
    ]
    if let fingerprint { context["cpu_model"] = .string(fingerprint.cpuModel) }
    var benchmarks: [GBValue] = []
    var family = 0
    for p in r.points where p.failure == nil {
      for side in ABMeasurementRecord.Side.allCases {
        let name = "\(p.name)/\(side.rawValue)"
        let rounds = measurements.filter { $0.name == p.name && $0.side == side && !$0.samples.isEmpty }
          .sorted { $0.round < $1.round }
        let common: [String: GBValue] = [
          "family_index": .int(family), "per_family_instance_index": .int(0), "run_name": .string(name),
          "repetitions": .int(rounds.count), "threads": .int(p.threads), "time_unit": .string("ms"),
        ]
        family += 1
        for m in rounds {
          var row = common
          row["name"] = .string(name)
          row["run_type"] = .string("iteration")
          row["repetition_index"] = .int(m.round)
          row["iterations"] = .int(m.callsPerSample * m.samples.count)
          row["real_time"] = .double(Estimators.median(m.samples) * 1e3)
          row["cpu_time"] = row["real_time"]
          benchmarks.append(.object(row))
        }
        var row = common
        let median = side == .base ? p.baseMedian : p.newMedian
        row["name"] = .string("\(name)_median")
        row["run_type"] = .string("aggregate")
        row["aggregate_name"] = .string("median")
        row["aggregate_unit"] = .string("time")
        row["iterations"] = .int(rounds.count)
        row["real_time"] = .double(median * 1e3)
        row["cpu_time"] = .double(median * 1e3)
        benchmarks.append(.object(row))
      }
    }
    let document = GBValue.object(["context": .object(context), "benchmarks": .array(benchmarks)])
    return String(decoding: try JSONCoding.encoder.encode(document), as: UTF8.self) + "\n"
  }
}
