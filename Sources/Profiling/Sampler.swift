import CAllocationCounter

#if canImport(Glibc)
  import Glibc
#endif

/// Times a body of work as `SamplerConfiguration` describes and keeps every sample.
///
/// The body must not allocate; the sampler itself does no work inside the timed region besides
/// the loop. Counters (if any) and getrusage are read just outside each sample's timed region.
public struct Sampler {
  public var configuration: SamplerConfiguration
  public var counters: CounterSet?
  public var flusher: CacheFlusher?

  public init(configuration: SamplerConfiguration, counters: CounterSet? = nil, flusher: CacheFlusher? = nil)
  {
    self.configuration = configuration
    self.counters = counters
    self.flusher = flusher
  }

  /// Warm-up result: calls made, seconds spent, calls per sample chosen.
  struct Calibration {
    var warmupCalls: Int
    var warmupSeconds: Double
    var callsPerSample: Int
  }

  /// Runs `body` until its per-call time settles and picks the calls per sample.
  func calibrate(_ body: () -> Void) -> Calibration {
    let c = configuration
    let start = Clock.now()
    var t = Clock.now()
    body()
    var perCall = Clock.seconds(since: t)
    var calls = 1
    var recent: [Double] = []
    let cap = min(3 * c.warmupSeconds, c.budgetSeconds / 2)
    while true {
      let batch = max(1, Int((c.minimumSampleSeconds / max(perCall, 1e-9)).rounded(.up)))
      t = Clock.now()
      for _ in 0..<batch { body() }
      perCall = Clock.seconds(since: t) / Double(batch)
      calls += batch
      recent.append(perCall)
      if recent.count > 3 { recent.removeFirst() }
      let elapsed = Clock.seconds(since: start)
      if recent.count == 3 && elapsed >= c.warmupSeconds {
        let m = recent.sorted()[1]
        if recent.allSatisfy({ abs($0 - m) <= 0.03 * m }) { break }
      }
      if elapsed >= cap || Interruption.isRequested { break }
    }
    let settled = recent.sorted()[recent.count / 2]
    let perSample =
      c.cache == .cold ? 1 : max(1, Int((c.minimumSampleSeconds / max(settled, 1e-9)).rounded(.up)))
    return Calibration(
      warmupCalls: calls, warmupSeconds: Clock.seconds(since: start), callsPerSample: perSample)
  }

  /// Accumulates counters and rusage over the timed regions of one body.
  struct Accumulator {
    var samples: [Double] = []
    var counterTotals: [Double]
    var before: [Double]
    var after: [Double]
    var faults = 0.0
    var switches = 0.0
    var cpu = 0.0
    var allocations: UInt64 = 0

    init(events: Int) {
      counterTotals = [Double](repeating: 0, count: events)
      before = counterTotals
      after = counterTotals
      samples.reserveCapacity(1024)
    }
  }

  /// Takes one sample of `calls` calls into `acc`.
  func sample(_ body: () -> Void, calls: Int, into acc: inout Accumulator) {
    flusher?.flush()
    var usage0 = rusage()
    var usage1 = rusage()
    counters?.read(into: &acc.before)
    getrusage(RUSAGE_SELF.rawValue, &usage0)
    let allocations0 = lrd_alloc_process_count()
    lrd_alloc_process_enable(1)
    let t0 = Clock.now()
    for _ in 0..<calls { body() }
    let t1 = Clock.now()
    lrd_alloc_process_enable(0)
    acc.allocations += lrd_alloc_process_count() &- allocations0
    getrusage(RUSAGE_SELF.rawValue, &usage1)
    counters?.read(into: &acc.after)
    acc.samples.append(Double(t1 &- t0) * 1e-9 / Double(calls))
    for i in acc.counterTotals.indices { acc.counterTotals[i] += acc.after[i] - acc.before[i] }
    acc.faults += Double((usage1.ru_minflt - usage0.ru_minflt) + (usage1.ru_majflt - usage0.ru_majflt))
    acc.switches += Double((usage1.ru_nvcsw - usage0.ru_nvcsw) + (usage1.ru_nivcsw - usage0.ru_nivcsw))
    acc.cpu +=
      Self.seconds(usage1.ru_utime) + Self.seconds(usage1.ru_stime) - Self.seconds(usage0.ru_utime)
      - Self.seconds(usage0.ru_stime)
  }

  /// Whether heap allocations in timed regions can be counted (the interposer is linked).
  static let countsAllocations = lrd_alloc_interposed() == 1

  static func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }

  /// Whether to recompute the CI after `n` samples (every sample early on, then every ~2%).
  static func shouldCheck(_ n: Int) -> Bool { n < 100 || n % max(n / 50, 1) == 0 }

  func finish(_ acc: Accumulator, calibration: Calibration, reason: StopReason, reached: Bool, start: UInt64)
    -> Measurement
  {
    let calls = Double(max(acc.samples.count * calibration.callsPerSample, 1))
    let stats = SampleStatistics(acc.samples)
    var readings: [CounterReading] = []
    if let counters {
      for (i, availability) in counters.availability.enumerated() {
        let total = availability.isAvailable && acc.counterTotals[i].isFinite ? acc.counterTotals[i] : nil
        readings.append(
          CounterReading(
            name: availability.name, availability: availability, total: total,
            perCall: total.map { $0 / calls }))
      }
    }
    return Measurement(
      samples: acc.samples, callsPerSample: calibration.callsPerSample, warmupCalls: calibration.warmupCalls,
      warmupSeconds: calibration.warmupSeconds, statistics: stats, stopReason: reason,
      reachedTarget: reached,
      elapsedSeconds: Clock.seconds(since: start), cache: configuration.cache, counters: readings,
      usage: ProcessUsage(
        pageFaultsPerCall: acc.faults / calls, contextSwitchesPerCall: acc.switches / calls,
        cpuSecondsPerCall: acc.cpu / calls,
        allocationsPerCall: Self.countsAllocations ? Double(acc.allocations) / calls : nil))
  }

  /// Measures `body`: warm-up, calibration, then samples until the stop rule fires.
  public func measure(_ body: () -> Void) -> Measurement {
    withoutActuallyEscaping(body) { body in run([body])[0] }
  }

  /// Measures A and B interleaved (A B A B …), each with its own calls per sample, until both
  /// medians reach the CI target or the budget (shared) is spent; then compares them.
  public func measurePaired(
    baseline a: () -> Void, candidate b: () -> Void
  ) -> (baseline: Measurement, candidate: Measurement, comparison: PairedComparison) {
    withoutActuallyEscaping(a) { a in
      withoutActuallyEscaping(b) { b in
        let measurements = run([a, b])
        return (
          measurements[0], measurements[1],
          PairedComparison(baseline: measurements[0].samples, candidate: measurements[1].samples)
        )
      }
    }
  }

  /// Whether every body's median has reached the CI target.
  func targetReached(_ accumulators: [Accumulator]) -> Bool {
    accumulators.allSatisfy {
      SampleStatistics($0.samples).relativeHalfWidth <= configuration.targetRelativeHalfWidth
    }
  }

  /// The sampling loop for one body or several interleaved ones (one sample of each per round);
  /// stops when every body's median reaches the CI target, or on budget, cap or interruption.
  func run(_ bodies: [() -> Void]) -> [Measurement] {
    let c = configuration
    let start = Clock.now()
    let calibrations = bodies.map { calibrate($0) }
    var accumulators = bodies.map { _ in Accumulator(events: counters?.availability.count ?? 0) }
    counters?.start()
    defer { counters?.stop() }
    var reason = StopReason.budget
    while true {
      for index in bodies.indices {
        sample(bodies[index], calls: calibrations[index].callsPerSample, into: &accumulators[index])
      }
      let n = accumulators[0].samples.count
      if Interruption.isRequested {
        reason = .interrupted
        break
      }
      if n >= c.maximumSamples {
        reason = .maximumSamples
        break
      }
      if n >= c.minimumSamples {
        if Self.shouldCheck(n),
          accumulators.allSatisfy({
            SampleStatistics($0.samples).relativeHalfWidth <= c.targetRelativeHalfWidth
          })
        {
          reason = .confidenceReached
          break
        }
        if Clock.seconds(since: start) >= c.budgetSeconds {
          reason = .budget
          break
        }
      }
    }
    let reached = targetReached(accumulators)
    return bodies.indices.map {
      finish(accumulators[$0], calibration: calibrations[$0], reason: reason, reached: reached, start: start)
    }
  }
}
