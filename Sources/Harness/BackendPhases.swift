import Decomposition
import Machine
import Networks
import Profiling
import Programs
import Statistics
import Tensors

/// One library (and threading) timed in windows over the phases benchmark.
package struct PhaseSeries: Codable, Sendable, Equatable {
  /// One window: its start (seconds since the benchmark began) and its median seconds per call.
  package struct Window: Codable, Sendable, Equatable {
    /// Seconds since the benchmark began.
    package var start: Double
    /// Median seconds per call in the window.
    package var seconds: Double
    /// Timed calls in the window.
    package var calls: Int

    package init(start: Double, seconds: Double, calls: Int) {
      self.start = start
      self.seconds = seconds
      self.calls = calls
    }
  }

  /// A run of consecutive windows more than `PhaseSeries.tolerance` away from the series' median.
  package struct Phase: Codable, Sendable, Equatable {
    /// Start of its first window (seconds since the benchmark began).
    package var start: Double
    /// Windows in the run.
    package var windows: Int
    /// Median of the run's windows ÷ the series' median.
    package var level: Double
  }

  /// How far (relative) a window may be from the median before it counts as another phase: ±15%.
  package static let tolerance = 0.15

  /// For example "OpenBLAS, pool threads".
  package var label: String
  package var backend: GEMMBackend
  /// Fork-joins of the library's or the pool's threads per call (from the kernels' plans).
  package var synchronizationsPerCall: Int
  /// Windows in time order.
  package var windows: [Window]

  package init(label: String, backend: GEMMBackend, synchronizationsPerCall: Int, windows: [Window]) {
    self.label = label
    self.backend = backend
    self.synchronizationsPerCall = synchronizationsPerCall
    self.windows = windows
  }

  /// Median of the windows' medians (seconds per call).
  package var median: Double { Estimators.median(windows.map(\.seconds)) }

  /// Fraction of windows within ±`tolerance` of `median`.
  package var withinTolerance: Double {
    let m = median
    guard !windows.isEmpty, m > 0 else { return .nan }
    return Double(windows.filter { abs($0.seconds / m - 1) <= Self.tolerance }.count) / Double(windows.count)
  }

  /// Runs of consecutive windows beyond ±`tolerance` of `median`.
  package var phases: [Phase] {
    let m = median
    var result: [Phase] = []
    var run: [Window] = []
    func close() {
      guard let first = run.first else { return }
      result.append(
        Phase(start: first.start, windows: run.count, level: Estimators.median(run.map(\.seconds)) / m))
      run = []
    }
    for window in windows {
      if abs(window.seconds / m - 1) > Self.tolerance {
        if let last = run.last, (window.seconds > m) != (last.seconds > m) { close() }
        run.append(window)
      } else {
        close()
      }
    }
    close()
    return result
  }
}

/// The phases benchmark of `selftest`: the same layer on every library, alternating in short windows for a
/// while, so that a phase of the machine that slows one library and not another shows in one run.
package struct BackendPhasesResult: Codable, Sendable, Equatable {
  /// The layer and workload, for example "resnet50 layer1.0.conv2, original, batch 8, inference".
  package var subject: String
  package var threads: ThreadConfig
  /// Seconds each window lasted.
  package var windowSeconds: Double
  /// Wall-clock seconds the benchmark ran.
  package var seconds: Double
  /// One series per library (OpenBLAS twice: on the pool and on its own threads).
  package var series: [PhaseSeries]
}

/// Runs the phases benchmark.
package enum BackendPhases {
  /// Times ResNet-50's layer1.0.conv2 (original, batch 8, inference, `threads`) on each installed library —
  /// OpenBLAS both on lrd-bench's pool and on its own threads — in windows of `window` seconds, the libraries
  /// taking turns (one untimed call first in each window), for `duration` seconds.
  package static func run(
    duration: Double, window: Double = 0.25, threads: ThreadConfig, topology: Topology, events: EventSink
  ) throws -> BackendPhasesResult {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer1.0.conv2")
    let decomposed = try LayerDecomposer(layer: layer, seed: 1).decompose(.original)
    return try BLAS.withBackendsRestored {
      let savedChoice = Threading.choice
      defer { Threading.choice = savedChoice }
      try topology.apply(threads)
      var runs: [(label: String, backend: GEMMBackend, program: LayerProgram)] = []
      let variants: [(GEMMBackend, Threading.Choice?)] = [
        (.openblas, .pool), (.openblas, .library), (.blis, .pool), (.onednn, nil),
      ]
      for (backend, choice) in variants {
        guard (try? BLAS.use(backend)) != nil else { continue }
        try topology.apply(threads)
        if let choice { Threading.choice = choice }
        let label =
          backend.libraryName + (choice.map { ", \($0 == .pool ? "pool" : "library") threads" } ?? "")
        runs.append((label, backend, try LayerProgram(decomposed, batch: 8, mode: .inference)))
      }
      for run in runs { run.program.run() }
      var windows = [[PhaseSeries.Window]](repeating: [], count: runs.count)
      let start = MonotonicClock.now()
      let rounds = max(1, Int((duration / (window * Double(max(runs.count, 1)))).rounded()))
      events(.phase(label: "phases", steps: rounds))
      for round in 0..<rounds {
        if Interruption.isRequested { break }
        for (index, run) in runs.enumerated() {
          run.program.run()
          let windowStart = MonotonicClock.seconds(since: start)
          var times: [Double] = []
          let opened = MonotonicClock.now()
          while MonotonicClock.seconds(since: opened) < window || times.count < 3 {
            let call = MonotonicClock.now()
            run.program.run()
            times.append(MonotonicClock.seconds(since: call))
          }
          windows[index].append(
            .init(start: windowStart, seconds: Estimators.median(times), calls: times.count))
        }
        events(.step(.init(name: "round \(round + 1)", detail: .none, seconds: nil)))
      }
      let series = zip(runs, windows).map { run, windows in
        PhaseSeries(
          label: run.label, backend: run.backend,
          synchronizationsPerCall: run.program.kernels.map(\.synchronizationsPerForward).reduce(0, +),
          windows: windows)
      }
      return BackendPhasesResult(
        subject: "resnet50 layer1.0.conv2, original, batch 8, inference", threads: threads,
        windowSeconds: window,
        seconds: MonotonicClock.seconds(since: start), series: series)
    }
  }
}
