import Harness
import Machine
import Tensors
import Testing

@Suite("Backend check and phases (synthetic timings)")
struct BackendCheckTests {
  func check(inUse: GEMMBackend, _ times: [(GEMMBackend, Double)]) -> BackendCheck {
    BackendCheck(
      subject: "x", threads: ThreadConfig(threads: 2, binding: .compact), inUse: inUse,
      timings: times.map { .init(backend: $0.0, seconds: $0.1, calls: 5) }, unavailable: [], seconds: 1)
  }

  @Test func slowdownAndWarning() {
    let slow = check(inUse: .openblas, [(.openblas, 0.013), (.blis, 0.012), (.onednn, 0.010)])
    #expect(slow.fastest == .onednn)
    #expect(abs(slow.slowdown! - 1.3) < 1e-9)
    #expect(slow.warns)
    let close = check(inUse: .openblas, [(.openblas, 0.012), (.onednn, 0.010)])
    #expect(!close.warns, "1.2× is within the 1.25× threshold")
    let best = check(inUse: .onednn, [(.openblas, 0.02), (.onednn, 0.010)])
    #expect(best.slowdown == 1 && !best.warns)
    let missing = check(inUse: .blis, [(.openblas, 0.02)])
    #expect(missing.slowdown == nil && !missing.warns)
  }

  func series(_ values: [Double]) -> PhaseSeries {
    PhaseSeries(
      label: "s", backend: .openblas, synchronizationsPerCall: 1,
      windows: values.enumerated().map { .init(start: Double($0.offset), seconds: $0.element, calls: 4) })
  }

  @Test func phasesAreRunsBeyondFifteenPercent() {
    // Median 10: a run of two windows at about 3×, one window at 1.2× and one at 0.8×.
    let s = series([10, 10, 30, 31, 10, 10, 12, 10, 10, 8, 10])
    #expect(s.median == 10)
    let phases = s.phases
    #expect(phases.count == 3)
    #expect(phases[0].start == 2 && phases[0].windows == 2 && abs(phases[0].level - 3.05) < 1e-9)
    #expect(phases[1].start == 6 && phases[1].windows == 1)
    #expect(phases[2].start == 9 && phases[2].level == 0.8)
    #expect(abs(s.withinTolerance - 7.0 / 11) < 1e-9)
    // A slow run straight followed by a fast one is two phases.
    #expect(series([10, 10, 10, 20, 5, 10, 10]).phases.count == 2)
    #expect(series([10, 11, 9, 10]).phases.isEmpty)
  }
}
