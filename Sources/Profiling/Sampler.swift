import CAllocationCounter
import Foundation
import Machine
import Statistics

#if canImport(Glibc)
  import Glibc
#endif

/// Times a body of work as `SamplerConfiguration` describes and keeps every sample.
///
/// The body must not allocate; the sampler itself does no work inside the timed region besides the
/// loop. Counters (if any), getrusage and the allocation counter are read just outside each sample.
/// Several bodies are measured interleaved, one sample each per round, in a balanced order: the
/// rounds alternate forward and reverse (ABBA/BAAB), and whether the first round is forward comes
/// from `orderSeed`, so order effects (caches, frequency) cancel between A and B.
package struct Sampler {
  /// When to stop sampling, and warm-up and sample lengths.
  package let configuration: SamplerConfiguration
  /// Counters read around every sample, nil for none.
  package let counters: CounterSet?
  /// What evicts the caches before each sample when measuring cold, nil for warm.
  package let flusher: CacheFlusher?
  /// Chooses the first round's order; any value gives a balanced sequence.
  package let orderSeed: UInt64
  /// Nanoseconds from a fixed point: `MonotonicClock.now` (tests inject a fake clock).
  package let clock: @Sendable () -> UInt64

  /// A sampler with its stopping rule, optional counters and cache flusher, and the seed of its ABBA/BAAB order.
  package init(
    configuration: SamplerConfiguration, counters: CounterSet? = nil, flusher: CacheFlusher? = nil,
    orderSeed: UInt64 = 0, clock: @escaping @Sendable () -> UInt64 = MonotonicClock.now
  ) {
    self.configuration = configuration
    self.counters = counters
    self.flusher = flusher
    self.orderSeed = orderSeed
    self.clock = clock
  }

  /// Seconds on `clock` since `start`.
  func seconds(since start: UInt64) -> Double { Double(clock() &- start) * 1e-9 }

  /// Warm-up result: calls made, seconds spent, calls per sample chosen.
  struct Calibration {
    var warmupCalls: Int
    var warmupSeconds: Double
    var callsPerSample: Int
  }

  /// Runs `body` until its per-call time settles and picks the calls per sample.
  func calibrate(_ body: () -> Void) -> Calibration {
    let c = configuration
    let start = clock()
    var t = clock()
    body()
    var perCall = seconds(since: t)
    var calls = 1
    var recent: [Double] = []
    let cap = min(3 * c.warmupSeconds, c.budgetSeconds / 2)
    while true {
      let batch = max(1, Int((c.minimumSampleSeconds / max(perCall, 1e-9)).rounded(.up)))
      t = clock()
      for _ in 0..<batch { body() }
      perCall = seconds(since: t) / Double(batch)
      calls += batch
      recent.append(perCall)
      if recent.count > 3 { recent.removeFirst() }
      let elapsed = seconds(since: start)
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
      warmupCalls: calls, warmupSeconds: seconds(since: start), callsPerSample: perSample)
  }

  /// Accumulates samples, counters, rusage and allocations over the timed regions of one body.
  struct Accumulator {
    var samples: [Double] = []
    var counterTotals: [Double]
    var before: [Double]
    var after: [Double]
    var faults = 0.0
    var switches = 0.0
    var cpu = 0.0
    var wall = 0.0
    var counterWall = 0.0
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
    // Nested windows, each total divided by its own wall time: counters outermost (timed by c0…c1),
    // then getrusage, then the process CPU clock right around the timed calls (t0…t1).
    let c0 = counters == nil ? 0 : clock()
    counters?.read(into: &acc.before)
    getrusage(RUSAGE_SELF.rawValue, &usage0)
    let allocations0 = lrd_alloc_process_count()
    lrd_alloc_process_enable(1)
    let cpu0 = Self.processCPUSeconds()
    let t0 = clock()
    for _ in 0..<calls { body() }
    let t1 = clock()
    let cpu1 = Self.processCPUSeconds()
    lrd_alloc_process_enable(0)
    acc.allocations += lrd_alloc_process_count() &- allocations0
    getrusage(RUSAGE_SELF.rawValue, &usage1)
    counters?.read(into: &acc.after)
    if counters != nil { acc.counterWall += Double(clock() &- c0) * 1e-9 }
    let elapsed = Double(t1 &- t0) * 1e-9
    acc.samples.append(elapsed / Double(calls))
    acc.wall += elapsed
    for i in acc.counterTotals.indices { acc.counterTotals[i] += acc.after[i] - acc.before[i] }
    acc.faults += Double((usage1.ru_minflt - usage0.ru_minflt) + (usage1.ru_majflt - usage0.ru_majflt))
    acc.switches += Double((usage1.ru_nvcsw - usage0.ru_nvcsw) + (usage1.ru_nivcsw - usage0.ru_nivcsw))
    acc.cpu += cpu1 - cpu0
  }

  /// CPU seconds of every thread of the process (CLOCK_PROCESS_CPUTIME_ID, nanosecond resolution; the
  /// microsecond getrusage times are too coarse for millisecond samples).
  static func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
  }

  /// Whether heap allocations in timed regions can be counted (the interposer is linked).
  static let countsAllocations = lrd_alloc_interposed() == 1

  /// Whether to recompute the CI after `n` samples (every sample early on, then every ~2%).
  static func shouldCheck(_ n: Int) -> Bool { n < 100 || n % max(n / 50, 1) == 0 }

  func finish(
    _ acc: Accumulator, calibration: Calibration, reason: StopReason, reached: Bool, start: UInt64
  ) -> PointMeasurement {
    let calls = Double(max(acc.samples.count * calibration.callsPerSample, 1))
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
    return PointMeasurement(
      samples: acc.samples, callsPerSample: calibration.callsPerSample, warmupCalls: calibration.warmupCalls,
      warmupSeconds: calibration.warmupSeconds, statistics: SampleStatistics(acc.samples), stopReason: reason,
      reachedTarget: reached, elapsedSeconds: seconds(since: start),
      timedSeconds: acc.wall, counterSeconds: counters == nil ? nil : acc.counterWall,
      cache: configuration.cache, counters: readings,
      usage: ProcessUsage(
        pageFaultsPerCall: acc.faults / calls, contextSwitchesPerCall: acc.switches / calls,
        cpuSecondsPerCall: acc.cpu / calls,
        allocationsPerCall: Self.countsAllocations ? Double(acc.allocations) / calls : nil))
  }

  /// Measures `body`: warm-up, calibration, then samples until the stop rule fires.
  package func measure(_ body: () -> Void) -> PointMeasurement {
    withoutActuallyEscaping(body) { body in run([body])[0] }
  }

  /// Measures A and B as pairs in balanced order until the paired ratio's CI reaches the target or
  /// the budget is spent; then compares them with paired statistics.
  package func measurePaired(
    baseline a: () -> Void, candidate b: () -> Void
  ) -> (baseline: PointMeasurement, candidate: PointMeasurement, comparison: PairedComparison) {
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

  /// The stop rule's precision check: the median's CI for one body; for two, `pairedHalfWidth`.
  func targetReached(_ accumulators: [Accumulator]) -> Bool {
    let target = configuration.targetRelativeHalfWidth
    if accumulators.count == 2 {
      return Self.pairedHalfWidth(accumulators[0].samples, accumulators[1].samples) <= target
    }
    return accumulators.allSatisfy { SampleStatistics($0.samples).relativeHalfWidth <= target }
  }

  /// ±x of the paired ratio for the stop rule: the 95% order-statistics interval of the median of ABBA-block
  /// log ratios (two consecutive rounds averaged, which cancels the order effect within a block).
  ///
  /// Distribution-free and on the conservative side (2–3% A/A false positives in `estimator-study`), so
  /// stopping early on it does not make the reported CI optimistic. Infinity with fewer than 6 blocks.
  package static func pairedHalfWidth(_ a: [Double], _ b: [Double]) -> Double {
    let d = PairedComparison.logRatios(a, b)
    let blocks = PairedComparison.blockLogRatios(d)
    let k = SampleStatistics.orderStatisticRank(n: blocks.count, alpha: 0.05)
    guard k >= 1, blocks.count >= 6 else { return .infinity }
    return exp((blocks[blocks.count - k] - blocks[k - 1]) / 2) - 1
  }

  /// The sampling loop for one body or several interleaved ones (one sample of each per round,
  /// balanced order); stops when the precision target is reached, or on budget, cap or interruption.
  func run(_ bodies: [() -> Void]) -> [PointMeasurement] {
    let c = configuration
    let start = clock()
    let calibrations = bodies.map { calibrate($0) }
    var accumulators = bodies.map { _ in Accumulator(events: counters?.availability.count ?? 0) }
    counters?.start()
    defer { counters?.stop() }
    var reason = StopReason.budget
    var round = 0
    let firstForward = orderSeed & 1 == 0
    while true {
      let forward = (round % 2 == 0) == firstForward
      for index in forward ? Array(bodies.indices) : bodies.indices.reversed() {
        sample(bodies[index], calls: calibrations[index].callsPerSample, into: &accumulators[index])
      }
      round += 1
      let n = accumulators[0].samples.count
      if Interruption.isRequested {
        reason = .interrupted
        break
      }
      if n >= c.maximumSamples {
        reason = .maximumSamples
        break
      }
      // Stop only after an even number of rounds, so A and B had each position equally often.
      if n >= c.minimumSamples && (bodies.count == 1 || round % 2 == 0) {
        if Self.shouldCheck(n), targetReached(accumulators) {
          reason = .confidenceReached
          break
        }
        let elapsed = seconds(since: start)
        if elapsed >= c.budgetSeconds {
          // Noise-adaptive: past the budget, go on (up to maximumBudgetFactor × budget) only while the
          // projected time to the target, elapsed × (width / target)², fits under that cap; a point
          // that cannot get there stops now and is flagged by its width instead of burning the cap.
          let width =
            bodies.count == 2
            ? Self.pairedHalfWidth(accumulators[0].samples, accumulators[1].samples)
            : SampleStatistics(accumulators[0].samples).relativeHalfWidth
          let cap = c.budgetSeconds * c.maximumBudgetFactor
          let projected = elapsed * pow(width / c.targetRelativeHalfWidth, 2)
          if elapsed >= cap || !(projected <= cap) {
            reason = .budget
            break
          }
        }
      }
    }
    let reached = targetReached(accumulators)
    return bodies.indices.map {
      finish(accumulators[$0], calibration: calibrations[$0], reason: reason, reached: reached, start: start)
    }
  }
}
