import Decomposition
import Machine
import Networks
import Programs
import Statistics
import Tensors

/// How fast the original layer (or network) runs on each installed kernel library, measured briefly before a
/// study, so a report can say when the library in use runs the reference far below the fastest one.
///
/// A slow original inflates every speed-up measured against it; the check never changes the measurement,
/// it only adds a line (and a warning past `warningRatio`) to the report's header.
package struct BackendCheck: Codable, Sendable, Equatable {
  package struct Timing: Codable, Sendable, Equatable {
    package var backend: GEMMBackend
    /// Median seconds per call over the check's rounds.
    package var seconds: Double
    package var calls: Int

    package init(backend: GEMMBackend, seconds: Double, calls: Int) {
      self.backend = backend
      self.seconds = seconds
      self.calls = calls
    }
  }

  package init(
    subject: String, threads: ThreadConfig, inUse: GEMMBackend, timings: [Timing], unavailable: [String],
    seconds: Double
  ) {
    self.subject = subject
    self.threads = threads
    self.inUse = inUse
    self.timings = timings
    self.unavailable = unavailable
    self.seconds = seconds
  }

  /// The ratio (in use ÷ fastest) past which reports warn.
  package static let warningRatio = 1.25

  /// What was timed, for example "layer4.2.conv2 (original), batch 8, inference" or "resnet50 original
  /// network, batch 1, inference".
  package var subject: String
  /// The thread config it ran on.
  package var threads: ThreadConfig
  /// The library the study measures on.
  package var inUse: GEMMBackend
  /// Every installed library's time, in `GEMMBackend.allCases` order.
  package var timings: [Timing]
  /// Libraries that could not be checked, with the reason.
  package var unavailable: [String]
  /// Wall-clock seconds the check took (building included).
  package var seconds: Double

  /// The fastest library checked.
  package var fastest: GEMMBackend? { timings.min { $0.seconds < $1.seconds }?.backend }

  /// Time on the library in use ÷ time on the fastest (1 when it is the fastest; nil when not checked).
  package var slowdown: Double? {
    guard let used = timings.first(where: { $0.backend == inUse }),
      let best = timings.map(\.seconds).min(), best > 0
    else { return nil }
    return used.seconds / best
  }

  /// Whether the report warns: the library in use is more than `warningRatio` times slower than the fastest.
  package var warns: Bool { (slowdown ?? 1) > Self.warningRatio }
}

package enum BackendChecker {
  /// Seconds a check may take in all (building excluded), shared by the libraries.
  package static let budget = 2.0

  /// Times `layer` (original) at `batch` in `mode` on every installed library, interleaved round by round.
  package static func layer(
    _ layer: LayerSpec, batch: Int, mode: Mode, threads: ThreadConfig, topology: Topology
  ) throws -> BackendCheck {
    let decomposed = try LayerDecomposer(layer: layer, seed: 1).decompose(.original)
    return try check(
      subject: "\(layer.name) (original), batch \(batch), \(mode)", threads: threads, topology: topology
    ) {
      let program = try LayerProgram(decomposed, batch: batch, mode: mode)
      return program.run
    }
  }

  /// Times `model`'s original network in inference at batch 1 on every installed library (a whole network
  /// at a study's batch would not fit the check's budget on every library).
  package static func network(_ model: ResNetModel, threads: ThreadConfig, topology: Topology) throws
    -> BackendCheck
  {
    let catalog = ModelCatalog(model)
    let weights = NetworkWeights(catalog: catalog)
    return try check(
      subject: "\(model) original network, batch 1, inference", threads: threads, topology: topology
    ) {
      let plan = try NetworkPlan(catalog: catalog, variant: .original, ratio: 2)
      let program = try NetworkProgram(plan: plan, weights: weights, batch: 1, mode: .inference)
      return program.run
    }
  }

  /// Builds `make()` with each library as the process's backend and `threads` applied, warms each up once and
  /// times them in blocks of `budget` ÷ (2 × libraries) seconds (at least 2 calls), one untimed call opening
  /// each block, in two rounds (ABC, then CBA); reports each library's median call; restores
  /// the backend in use and the registered libraries.
  static func check(
    subject: String, threads: ThreadConfig, topology: Topology, make: () throws -> () -> Void
  ) throws -> BackendCheck {
    try BLAS.withBackendsRestored {
      try measure(subject: subject, threads: threads, topology: topology, make: make)
    }
  }

  static func measure(
    subject: String, threads: ThreadConfig, topology: Topology, make: () throws -> () -> Void
  ) throws -> BackendCheck {
    let start = MonotonicClock.now()
    let inUse = BLAS.backend
    var runs: [(GEMMBackend, () -> Void)] = []
    var unavailable: [String] = []
    // Threads first: kernels made now choose their threading for this thread count.
    try topology.apply(threads)
    for backend in GEMMBackend.allCases {
      do {
        try BLAS.use(backend)
        try topology.apply(threads)
        runs.append((backend, try make()))
      } catch {
        unavailable.append("\(backend): \(error)")
      }
    }
    try BLAS.use(inUse)
    for (backend, _) in runs where backend != inUse { try? BLAS.register(backend) }
    try topology.apply(threads)
    for (_, run) in runs { run() }
    // Blocks, not single calls: each library's runtime (OpenMP teams, BLIS's communicators, the pool) needs a
    // few calls to settle after another one ran, so each block starts with an untimed call and the libraries
    // take turns in two rounds, the second in reverse order (ABC CBA), so drift affects all alike.
    var samples = [[Double]](repeating: [], count: runs.count)
    let block = budget / Double(2 * max(runs.count, 1))
    for round in 0..<2 {
      for offset in 0..<runs.count {
        let index = round == 0 ? offset : runs.count - 1 - offset
        runs[index].1()
        let opened = MonotonicClock.now()
        var calls = 0
        while calls < 2 || MonotonicClock.seconds(since: opened) < block {
          let callStart = MonotonicClock.now()
          runs[index].1()
          samples[index].append(MonotonicClock.seconds(since: callStart))
          calls += 1
        }
      }
    }
    let timings = zip(runs, samples).map { run, times in
      BackendCheck.Timing(backend: run.0, seconds: Estimators.median(times), calls: times.count)
    }
    return BackendCheck(
      subject: subject, threads: threads, inUse: inUse, timings: timings, unavailable: unavailable,
      seconds: MonotonicClock.seconds(since: start))
  }
}
