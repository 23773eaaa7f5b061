import Decomposition
import Machine
import Networks
import Profiling
import Programs
import Statistics

/// What `lrd-bench selftest` measured: the timing machinery's own behaviour on this machine now,
/// reported rather than asserted (it depends on the machine and its load, so it is not a unit test).
package struct SelfTestResult: Codable, Sendable {
  /// What one clock reading costs here.
  package var clock: ClockOverhead
  /// The minimum sample length asked for and the median sample length obtained (seconds).
  package var sampleTarget: Double
  /// The median sample length obtained, in seconds.
  package var sampleLength: Double
  /// CPU time ÷ wall time of a multi-threaded sgemm (≈ the thread count when counts cover every thread).
  package var sgemmThreads: Int
  /// CPU time ÷ wall time of the sgemm, nil when not readable.
  package var sgemmBusyThreads: Double?
  /// The point used for the paired checks and how long each paired measurement could run.
  package var point: String
  /// Seconds each paired measurement could run.
  package var budgetSeconds: Double
  /// A/A: the same program against itself, `aaPairs` paired measurements.
  package var aaPairs: Int
  /// How many A/A measurements had a 95% ratio CI excluding 1, and how many a Wilcoxon p < 0.05.
  package var aaCIFlagged: Int
  /// How many A/A measurements had a Wilcoxon p < 0.05.
  package var aaWilcoxonFlagged: Int
  /// Injected slowdowns (fraction of the program's time added as a busy-wait to B) and how often the
  /// paired CI found B slower (lower bound > 1).
  package var injections: [Injection]
  /// The machine the self-test ran on.
  package var fingerprint: MachineFingerprint
  /// Every paired measurement's raw samples (A/A and injected), for `estimator-study`.
  package var recorded: [RecordedPairs]
  /// The phases benchmark (every library in turns for a while; nil when skipped).
  package var phases: BackendPhasesResult?

  /// One injected slowdown and how often it was detected.
  package struct Injection: Codable, Sendable {
    /// The slowdown added to B, as a fraction of its time.
    package var slowdown: Double
    /// Paired measurements made with it.
    package var tries: Int
    /// Measurements whose CI found B slower.
    package var detected: Int
    /// The median measured ratio over the tries.
    package var medianRatio: Double
  }
}

/// One paired measurement's raw samples: `a[i]` and `b[i]` were taken in the same round; `injected`
/// is the slowdown added to B (0 for A/A).
package struct RecordedPairs: Codable, Sendable {
  /// The slowdown added to B (0 for A/A).
  package var injected: Double
  /// A's samples, seconds per call, in round order.
  package var a: [Double]
  /// B's samples, seconds per call, in round order.
  package var b: [Double]

  package init(injected: Double, a: [Double], b: [Double]) {
    self.injected = injected
    self.a = a
    self.b = b
  }
}

/// The self-test: clock, sample length, thread coverage of CPU counters, A/A false positives and
/// detection of injected slowdowns, all on this machine now.
package enum SelfTest {
  /// Runs the self-test with `pairs` A/A measurements and `injectionTries` per injected slowdown, each up to
  /// `budget` seconds.
  ///
  /// `phasesSeconds` > 0 adds the phases benchmark (`BackendPhases`) on every core for that long.
  package static func run(
    topology: Topology, pairs: Int, injectionTries: Int, budget: Double, minimumSampleSeconds: Double = 0.001,
    phasesSeconds: Double = 0, events: EventSink
  ) throws -> SelfTestResult {
    let fingerprint = MachineFingerprint.capture(topology: topology.summary)
    let cores = topology.summary.coreCount
    events(.phase(label: "selftest", steps: 3 + pairs + 2 * injectionTries))
    let clock = MonotonicClock.overhead()
    // Sample length: a body of ~50 µs batched to 1 ms samples.
    let target = 0.001
    let sampling = Sampler(
      configuration: SamplerConfiguration(minimumSampleSeconds: target, budgetSeconds: 0.3)
    )
    .measure { _ = SlowdownInjection.spin(seconds: 0.00005) }
    events(.step(.init(name: "sample length", detail: .none, seconds: sampling.elapsedSeconds)))
    // CPU counters cover every thread: task-clock of a multi-threaded sgemm ÷ wall time.
    try topology.apply(ThreadConfig(threads: cores, binding: .compact))
    let gemm = GEMMWorkload(m: 768, n: 768, k: 768)
    gemm.run()
    let counters = CounterSet(events: ["perf::TASK-CLOCK"])
    var busy: Double?
    if counters.availability[0].isAvailable {
      counters.start()
      let start = MonotonicClock.now()
      for _ in 0..<20 { gemm.run() }
      let wall = Double(MonotonicClock.now() - start)
      busy = counters.read()[0] / wall
      counters.stop()
    }
    events(.step(.init(name: "CPU counters", detail: .none, seconds: nil)))
    // Paired checks on a real layer: A and B are two programs of equal cost with their own weights and
    // buffers (what a real comparison is), never one program timed twice.
    let layer = try ModelCatalog(.resnet50).layer(named: "layer4.2.conv2")
    let program = try LayerProgram(
      try LayerDecomposer(layer: layer, seed: 1).decompose(.original), batch: 1, mode: .inference)
    let twin = try LayerProgram(
      try LayerDecomposer(layer: layer, seed: 2).decompose(.original), batch: 1, mode: .inference)
    let sampler = SamplerConfiguration(
      minimumSampleSeconds: minimumSampleSeconds, budgetSeconds: budget, minimumSamples: 10)
    var aaCI = 0
    var aaWilcoxon = 0
    var recorded: [RecordedPairs] = []
    for index in 0..<pairs {
      if Interruption.isRequested { break }
      let outcome = Sampler(configuration: sampler, orderSeed: UInt64(index)).measurePaired(
        baseline: { program.run() }, candidate: { twin.run() })
      recorded.append(RecordedPairs(injected: 0, a: outcome.baseline.samples, b: outcome.candidate.samples))
      if outcome.comparison.isSignificant { aaCI += 1 }
      if outcome.comparison.wilcoxonP < 0.05 { aaWilcoxon += 1 }
      events(
        .step(
          .init(
            name: "A/A \(index + 1)",
            detail: .ratio(
              value: outcome.comparison.ratio, lower: outcome.comparison.ratioCI.lower,
              upper: outcome.comparison.ratioCI.upper), seconds: outcome.baseline.elapsedSeconds)))
    }
    let base = Sampler(configuration: sampler).measure { program.run() }.statistics.median
    var injections: [SelfTestResult.Injection] = []
    for slowdown in [0.03, 0.05] {
      var detected = 0
      var ratios: [Double] = []
      for index in 0..<injectionTries {
        if Interruption.isRequested { break }
        let extra = slowdown * base
        let outcome = Sampler(configuration: sampler, orderSeed: UInt64(index)).measurePaired(
          baseline: { program.run() },
          candidate: {
            twin.run()
            _ = SlowdownInjection.spin(seconds: extra)
          })
        recorded.append(
          RecordedPairs(injected: slowdown, a: outcome.baseline.samples, b: outcome.candidate.samples))
        if outcome.comparison.isRegression() { detected += 1 }
        ratios.append(outcome.comparison.ratio)
        events(
          .step(
            .init(
              name: "+\(Int(slowdown * 100))% \(index + 1)",
              detail: .ratio(
                value: outcome.comparison.ratio, lower: outcome.comparison.ratioCI.lower,
                upper: outcome.comparison.ratioCI.upper), seconds: outcome.baseline.elapsedSeconds)))
      }
      injections.append(
        .init(
          slowdown: slowdown, tries: ratios.count, detected: detected,
          medianRatio: ratios.isEmpty ? .nan : SampleStatistics.quantile(ratios.sorted(), 0.5)))
    }
    let phases =
      phasesSeconds > 0 && !Interruption.isRequested
      ? try BackendPhases.run(
        duration: phasesSeconds, threads: ThreadConfig(threads: cores, binding: .compact), topology: topology,
        events: events)
      : nil
    return SelfTestResult(
      clock: clock, sampleTarget: target,
      sampleLength: sampling.statistics.median * Double(sampling.callsPerSample), sgemmThreads: cores,
      sgemmBusyThreads: busy,
      point:
        "resnet50 layer4.2.conv2, original, batch 1, inference, \(cores) threads; A and B two programs of equal "
        + "cost with separate weights and buffers",
      budgetSeconds: budget, aaPairs: pairs, aaCIFlagged: aaCI, aaWilcoxonFlagged: aaWilcoxon,
      injections: injections,
      fingerprint: fingerprint.finished(), recorded: recorded, phases: phases)
  }
}
