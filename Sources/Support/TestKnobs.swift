import Foundation

/// Environment variables that make lrd-bench deliberately slower or pretend to be on another machine, so its
/// tests can check that measurements notice; read once, when first used, into this value.
///
/// * `LRD_BENCH_INJECT_SLOWDOWN=F` or `F@REGEX`: suite points (all, or those whose name matches REGEX) run F ×
///   their own time longer (a busy-wait inside the timed region; 0 ≤ F ≤ 10).
/// * `LRD_BENCH_TEST_IM2COL_PASSES=N`: im2col packs its columns N more times (0 … 8): a slower im2col that
///   instruction counts must see.
/// * `LRD_BENCH_SIMULATE_OPENBLAS_CHOICE=CORE`: the OpenBLAS core decision behaves as if OpenBLAS had chosen
///   CORE on this CPU.
/// * `LRD_BENCH_SELFCHECK_FAULT=crash|gemm`: `blas-check` aborts, or checks a GEMM with a broken tail.
///
/// A malformed value of any of them is a `problem` (the command line refuses to run), never ignored.
package struct TestKnobs: Sendable, Equatable {
  /// An injected slowdown: the fraction of each call's time added, and the point names it applies to.
  package struct Slowdown: Sendable, Equatable {
    /// 0.05: every call 5% slower.
    package var fraction: Double
    /// A regular expression over point names; nil for every point.
    package var pattern: String?
  }

  /// The slowdown variable's name.
  package static let slowdownVariable = "LRD_BENCH_INJECT_SLOWDOWN"

  package var slowdown: Slowdown?
  /// Extra im2col passes, 0 … 8.
  package var im2colPasses: Int
  package var simulatedOpenBLASChoice: String?
  /// A fault `blas-check` injects into itself.
  package var selfCheckFault: SelfCheckFault?
  /// The faults `LRD_BENCH_SELFCHECK_FAULT` names.
  package enum SelfCheckFault: String, Sendable, Equatable, CaseIterable {
    /// The process aborts.
    case crash
    /// The checked GEMM gets a broken tail.
    case gemm
  }
  /// What is wrong with a malformed knob (the command line refuses to run); nil when every knob is usable.
  package var problem: String?

  /// The knobs of this process, read from its environment once.
  package static let current = TestKnobs(environment: ProcessInfo.processInfo.environment)

  /// The knobs set in `environment`.
  package init(environment: [String: String]) {
    im2colPasses = 0
    simulatedOpenBLASChoice = environment["LRD_BENCH_SIMULATE_OPENBLAS_CHOICE"]
    if let text = environment["LRD_BENCH_TEST_IM2COL_PASSES"], !text.isEmpty {
      guard let passes = Int(text), (0...8).contains(passes) else {
        problem = "LRD_BENCH_TEST_IM2COL_PASSES='\(text)': use a whole number from 0 to 8"
        return
      }
      im2colPasses = passes
    }
    if let text = environment["LRD_BENCH_SELFCHECK_FAULT"], !text.isEmpty {
      guard let fault = SelfCheckFault(rawValue: text) else {
        problem = "LRD_BENCH_SELFCHECK_FAULT='\(text)': use crash or gemm, or unset it"
        return
      }
      selfCheckFault = fault
    }
    guard let text = environment[Self.slowdownVariable], !text.isEmpty else { return }
    let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
    guard let fraction = Double(parts[0]), fraction.isFinite, (0...10).contains(fraction) else {
      problem =
        "\(Self.slowdownVariable)='\(text)': use a fraction such as 0.05, optionally @REGEX to match point names"
      return
    }
    if parts.count == 2 {
      do {
        _ = try Regex(parts[1])
      } catch {
        problem = "\(Self.slowdownVariable): '\(parts[1])' is not a regular expression: \(error)"
        return
      }
    }
    slowdown = Slowdown(fraction: fraction, pattern: parts.count == 2 ? parts[1] : nil)
  }

  /// The fraction to inject into the point called `name` (0 when no slowdown applies to it).
  package func slowdownFraction(for name: String) -> Double {
    guard let slowdown else { return 0 }
    guard let pattern = slowdown.pattern else { return slowdown.fraction }
    guard let regex = try? Regex(pattern), name.contains(regex) else { return 0 }
    return slowdown.fraction
  }
}
