import Foundation
import Profiling
import Tensors
import Testing

/// Busy work of roughly `iterations` floating-point updates (no allocation).
@inline(never)
func spin(_ iterations: Int) -> Double {
  var x = 1.0
  for i in 0..<iterations { x = x * 1.000_000_1 + Double(i & 1) * 1e-12 }
  return x
}

@Suite("Sampler", .serialized)
struct SamplerTests {
  @Test func clockOverheadIsSmallAndReported() {
    let overhead = Clock.overhead(readings: 10_000)
    #expect(overhead.medianNanoseconds > 0 && overhead.medianNanoseconds < 5_000)
    #expect(overhead.resolutionNanoseconds >= 1)
  }

  @Test func calibrationReachesTheTargetSampleLength() {
    var sink = 0.0
    let config = SamplerConfiguration(minimumSampleSeconds: 0.002, budgetSeconds: 0.6, minimumSamples: 10)
    let m = Sampler(configuration: config).measure { sink += spin(2_000) }
    #expect(m.callsPerSample > 1)
    let sampleLength = m.statistics.median * Double(m.callsPerSample)
    #expect(sampleLength >= 0.0015, "median sample lasted \(sampleLength) s")
    #expect(m.samples.count >= 10)
    #expect(sink != 0)
  }

  @Test func stopsWhenTheConfidenceTargetIsReachedOrTheBudgetIsSpent() {
    var sink = 0.0
    let loose = SamplerConfiguration(targetRelativeHalfWidth: 0.5, budgetSeconds: 5, minimumSamples: 8)
    let quick = Sampler(configuration: loose).measure { sink += spin(5_000) }
    #expect(quick.stopReason == .confidenceReached && quick.reachedTarget)
    #expect(quick.elapsedSeconds < 2)
    let strict = SamplerConfiguration(targetRelativeHalfWidth: 1e-9, budgetSeconds: 0.3, minimumSamples: 5)
    let capped = Sampler(configuration: strict).measure { sink += spin(5_000) }
    #expect(capped.stopReason == .budget && !capped.reachedTarget)
    #expect(capped.elapsedSeconds < 0.6)
    #expect(sink != 0)
  }

  @Test func coldCacheTakesOneCallPerSample() {
    var sink = 0.0
    let config = SamplerConfiguration(budgetSeconds: 0.2, minimumSamples: 5, cache: .cold)
    let flusher = CacheFlusher(lastLevelCacheBytes: 1 << 20)
    let m = Sampler(configuration: config, flusher: flusher).measure { sink += spin(1_000) }
    #expect(m.callsPerSample == 1 && m.cache == .cold)
    #expect(flusher.bytes >= 2 << 20)
  }

  @Test func interruptionStopsAfterTheCurrentSample() {
    Interruption.reset()
    defer { Interruption.reset() }
    var calls = 0
    let config = SamplerConfiguration(budgetSeconds: 30, minimumSamples: 1_000_000)
    let m = Sampler(configuration: config).measure {
      calls += 1
      _ = spin(1_000)
      if calls == 2_000 { Interruption.request() }
    }
    #expect(m.stopReason == .interrupted)
    #expect(m.elapsedSeconds < 10)
  }

  @Test func pairedMeasurementSeesAKnownDifference() {
    var sink = 0.0
    let config = SamplerConfiguration(targetRelativeHalfWidth: 0.01, budgetSeconds: 1.5, minimumSamples: 10)
    let result = Sampler(configuration: config).measurePaired(
      baseline: { sink += spin(20_000) }, candidate: { sink += spin(40_000) })
    #expect(
      result.comparison.ratio > 1.6 && result.comparison.ratio < 2.4, "ratio \(result.comparison.ratio)")
    #expect(result.comparison.isSignificant())
    #expect(sink != 0)
  }
}
