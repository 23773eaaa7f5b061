import Profiling
import Testing

@testable import Suites

/// A pooled point's stop reason never claims a CI target the pooled samples miss.
@Test(
  arguments: [
    (true, StopReason.confidenceReached, "target"),
    (true, StopReason.budget, "target"),
    (false, StopReason.confidenceReached, "rounds-disagree"),
    (false, StopReason.budget, "budget"),
    (false, StopReason.maximumSamples, "max-samples"),
  ])
func pooledStopReason(pooledReached: Bool, lastRound: StopReason, expected: String) {
  #expect(SuiteRunner.stopReason(pooledReached: pooledReached, lastRound: lastRound) == expected)
}
