import Foundation
import Machine
import Statistics
import Testing

@testable import Profiling

/// A clock that moves only when the code under test says so, so the sampler's timing logic runs
/// deterministically on any machine, loaded or idle.
final class FakeClock: @unchecked Sendable {
  private let lock = NSLock()
  private var nanoseconds: UInt64 = 1_000

  func now() -> UInt64 { lock.withLock { nanoseconds } }

  func advance(_ seconds: Double) { lock.withLock { nanoseconds += UInt64((seconds * 1e9).rounded()) } }

  /// A sampler on this clock.
  func sampler(_ configuration: SamplerConfiguration, orderSeed: UInt64 = 0) -> Sampler {
    Sampler(configuration: configuration, orderSeed: orderSeed, clock: { [self] in now() })
  }
}

/// A small machine for flushers: one PU, 1 MiB of last-level cache.
let tinyTopology = TopologySummary(
  cpuModel: "test", packages: 1, cores: [.init(logicalIndex: 0, processingUnits: [0])], processingUnits: [0],
  caches: [.init(name: "L2", level: 2, kind: "unified", sizeBytes: 1 << 20, lineBytes: 64, sharedBy: [0])],
  numaNodes: [], totalMemoryBytes: 1 << 30, hwlocVersion: "test")

@Suite("Sampler (fake clock)", .serialized)
struct SamplerTests {
  @Test func calibrationBatchesCallsToTheMinimumSampleLength() {
    let clock = FakeClock()
    let config = SamplerConfiguration(minimumSampleSeconds: 0.001, budgetSeconds: 1, minimumSamples: 10)
    let m = clock.sampler(config).measure { clock.advance(0.0001) }
    #expect(m.callsPerSample == 10)
    #expect(m.samples.allSatisfy { abs($0 - 0.0001) < 1e-12 })
    #expect(m.stopReason == .confidenceReached && m.samples.count == 10)
  }

  @Test func stopsOnBudgetWhenTheTargetIsOutOfReach() {
    let clock = FakeClock()
    var flip = false
    let config = SamplerConfiguration(targetRelativeHalfWidth: 1e-9, budgetSeconds: 0.5, minimumSamples: 5)
    let m = clock.sampler(config).measure {
      flip.toggle()
      clock.advance(flip ? 0.001 : 0.002)
    }
    #expect(m.stopReason == .budget && !m.reachedTarget)
    #expect(m.elapsedSeconds >= 0.5 && m.elapsedSeconds < 0.51)
  }

  @Test func stopsAtTheSampleCap() {
    let clock = FakeClock()
    var flip = false
    let config = SamplerConfiguration(
      targetRelativeHalfWidth: 1e-9, budgetSeconds: 1000, minimumSamples: 5, maximumSamples: 40)
    let m = clock.sampler(config).measure {
      flip.toggle()
      clock.advance(flip ? 0.001 : 0.003)
    }
    #expect(m.stopReason == .maximumSamples && m.samples.count == 40)
  }

  @Test func pairedRoundsAlternateTheirOrder() {
    let clock = FakeClock()
    var order: [Character] = []
    let config = SamplerConfiguration(minimumSampleSeconds: 0.001, budgetSeconds: 1, minimumSamples: 10)
    let result = clock.sampler(config).measurePaired(
      baseline: {
        order.append("A")
        clock.advance(0.001)
      },
      candidate: {
        order.append("B")
        clock.advance(0.002)
      })
    // Drop the warm-up calls (A's, then B's), keep the timed rounds: AB BA AB BA …
    let timed = String(order.suffix(2 * result.baseline.samples.count))
    let rounds = stride(from: 0, to: timed.count, by: 2).map { String(Array(timed)[$0..<($0 + 2)]) }
    #expect(rounds.count.isMultiple(of: 2), "stops after whole ABBA blocks")
    for (index, round) in rounds.enumerated() { #expect(round == (index.isMultiple(of: 2) ? "AB" : "BA")) }
    #expect(abs(result.comparison.ratio - 2) < 1e-9)
    #expect(result.comparison.ratioCI.lower == result.comparison.ratioCI.upper)
  }

  @Test func balancedOrderCancelsAnOrderEffect() {
    // Whichever body runs first in a round pays 10% more (cold caches, a frequency ramp): A and B are
    // otherwise identical. Balanced rounds give each the first place equally often, so the ratio is 1;
    // always running A first would report B 9% faster.
    let clock = FakeClock()
    var first = true
    let config = SamplerConfiguration(targetRelativeHalfWidth: 0.001, budgetSeconds: 2, minimumSamples: 20)
    var inRound = 0
    func body() {
      clock.advance(first ? 0.0011 : 0.001)
      inRound += 1
      first = inRound % 2 == 0
    }
    let result = clock.sampler(config, orderSeed: 1).measurePaired(
      baseline: { body() }, candidate: { body() })
    #expect(abs(result.comparison.ratio - 1) < 0.001, "ratio \(result.comparison.ratio)")
  }

  @Test func coldCacheTakesOneCallPerSample() {
    let clock = FakeClock()
    let config = SamplerConfiguration(budgetSeconds: 0.2, minimumSamples: 5, cache: .cold)
    let flusher = CacheFlusher(topology: tinyTopology)
    let m = Sampler(configuration: config, flusher: flusher, clock: { clock.now() }).measure {
      clock.advance(0.0001)
    }
    #expect(m.callsPerSample == 1 && m.cache == .cold)
    #expect(flusher.bytes >= 2 << 20 && flusher.processingUnits == [0])
  }

  @Test func interruptionStopsAfterTheCurrentSample() {
    Interruption.reset()
    defer { Interruption.reset() }
    let clock = FakeClock()
    var calls = 0
    let config = SamplerConfiguration(budgetSeconds: 30, minimumSamples: 1_000_000)
    let m = clock.sampler(config).measure {
      calls += 1
      clock.advance(0.0001 * Double(1 + calls % 3))
      if calls == 2_000 { Interruption.request() }
    }
    #expect(m.stopReason == .interrupted)
    #expect(calls < 2_000 + 2 * m.callsPerSample)
  }

  @Test func cpuUtilisationUsesMatchingTotals() {
    // 3 samples × 4 calls of 1 ms wall, 8 ms of CPU per 4 calls: 2 busy threads, whatever the median.
    let statistics = SampleStatistics([0.001, 0.001, 0.003])
    let m = PointMeasurement(
      samples: [0.001, 0.001, 0.003], callsPerSample: 4, warmupCalls: 0, warmupSeconds: 0,
      statistics: statistics,
      stopReason: .budget, reachedTarget: false, elapsedSeconds: 0.02, timedSeconds: 0.02, cache: .warm,
      counters: [],
      usage: ProcessUsage(pageFaultsPerCall: 0, contextSwitchesPerCall: 0, cpuSecondsPerCall: 0.04 / 12))
    #expect(abs(m.cpuUtilisation - 2) < 1e-9)
  }
}
