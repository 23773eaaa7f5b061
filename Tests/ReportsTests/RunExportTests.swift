import Foundation
import Harness
import Machine
import Reports
import Store
import Testing

@Suite("Run exports")
struct RunExportTests {
  static let run = RunRecord(
    id: 7, suite: "smoke", suiteDigest: "d", label: "x", machineKey: "m", startedAt: "2026-11-29T00:00:00Z",
    status: .complete, commit: "abc", build: "release", shard: nil, fingerprint: "{}")
  static let spec = String(
    decoding: try! JSONEncoder().encode(
      PointSpec(
        model: .resnet50, layer: "layer4.2.conv2", factorization: .tucker2(r1: 309, r2: 309), batch: 8,
        mode: .inference, threads: ThreadConfig(threads: 2, binding: .compact))),
    as: UTF8.self)
  static let points = [
    PointRecord(
      name: "layer4.2.conv2/alpha/t2", spec: spec, samples: [0.010, 0.011, 0.0105], callsPerSample: 4,
      median: 0.0105,
      ciLow: 0.010, ciHigh: 0.011, cv: 0.05, stopReason: "target", reachedTarget: true,
      counters:
        #"[{"availability":{"name":"perf::TASK-CLOCK","source":"perf_event_open","unit":"ns"},"name":"perf::TASK-CLOCK","perCall":2.0e7,"total":8.0e7}]"#
    )
  ]

  /// Google Benchmark's tools/gbench/report.py reads these: `benchmarks`, and per entry `name`, `time_unit`,
  /// `real_time`, `cpu_time` (is_potentially_comparable_benchmark), `run_type` and `aggregate_name`; its U
  /// test takes the `iteration` rows of one name as repetitions.
  ///
  /// The same partition logic, ported, must find every sample as a repetition.
  @Test func gbenchIsWhatCompareDotPyReads() throws {
    let text = try RunExport.render(.gbench, run: Self.run, points: Self.points)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let context = try #require(json["context"] as? [String: Any])
    #expect(
      context["date"] as? String == "2026-11-29T00:00:00Z"
        && context["library_build_type"] as? String == "release")
    let benchmarks = try #require(json["benchmarks"] as? [[String: Any]])
    let comparable = benchmarks.filter {
      $0["time_unit"] != nil && $0["real_time"] != nil && $0["cpu_time"] != nil
    }
    #expect(comparable.count == benchmarks.count)
    let name = "resnet50/layer4.2.conv2/tucker2:309,309/b8/t2/inference"
    let iterations = comparable.filter {
      $0["name"] as? String == name && $0["run_type"] as? String == "iteration"
    }
    #expect(iterations.count == 3)
    #expect(iterations.compactMap { $0["real_time"] as? Double } == [10.0, 11.0, 10.5])
    #expect(iterations.allSatisfy { $0["iterations"] as? Int == 4 && $0["time_unit"] as? String == "ms" })
    let aggregates = benchmarks.filter { $0["run_type"] as? String == "aggregate" }
    #expect(
      Set(aggregates.compactMap { $0["aggregate_name"] as? String }) == ["median", "mean", "stddev", "cv"])
    let median = try #require(aggregates.first { $0["aggregate_name"] as? String == "median" })
    #expect(median["name"] as? String == name + "_median" && median["real_time"] as? Double == 10.5)
    #expect(median["perf::TASK-CLOCK"] as? Double == 2.0e7, "counters ride along as extra keys")
  }

  @Test func bencherMetricFormat() throws {
    let text = try RunExport.render(.bmf, run: Self.run, points: Self.points)
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: [String: [String: Double]]])
    let latency = try #require(json["resnet50/layer4.2.conv2/tucker2:309,309/b8/t2/inference"]?["latency"])
    #expect(abs(latency["value"]! - 1.05e7) < 1 && abs(latency["lower_value"]! - 1e7) < 1)
    #expect(abs(latency["upper_value"]! - 1.1e7) < 1)
  }

  @Test func ownJSONRoundTrips() throws {
    let text = try RunExport.render(.json, run: Self.run, points: Self.points)
    let document = try JSONDecoder().decode(RunExport.Document.self, from: Data(text.utf8))
    #expect(document.run == Self.run && document.points == Self.points)
  }
}
