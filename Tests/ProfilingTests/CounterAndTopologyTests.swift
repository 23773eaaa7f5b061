import Foundation
import Profiling
import Tensors
import Testing

let defaultEvents = [
  "PAPI_TOT_CYC", "PAPI_TOT_INS", "PAPI_L1_DCM", "PAPI_L2_DCM", "PAPI_L3_TCM", "PAPI_SP_OPS", "PAPI_VEC_SP",
  "perf::TASK-CLOCK", "perf::PAGE-FAULTS", "perf::CONTEXT-SWITCHES",
]

/// Whether this machine can count task-clock on every thread (PAPI or perf_event_open).
let taskClockAvailable = CounterSet(events: ["perf::TASK-CLOCK"]).availability[0].isAvailable
let coreCount = (try? Topology())?.summary.coreCount ?? 1

@Suite("Counters and topology", .serialized)
struct CounterAndTopologyTests {
  @Test func everyEventIsMeasuredOrHasAReason() {
    // Swift Testing runs this off the main thread: an unknown, unprefixed name used to crash PAPI 7.0
    // there (null per-thread record) until threads register before looking names up.
    let set = CounterSet(events: defaultEvents + ["NOT_AN_EVENT", "NOT_AN_EVENT::X"])
    #expect(set.availability.count == defaultEvents.count + 2)
    for event in set.availability {
      if event.isAvailable {
        #expect(event.source == "papi" || event.source == "perf_event_open")
      } else {
        #expect(!(event.reason ?? "").isEmpty, "\(event.name) unavailable without a reason")
      }
    }
    #expect(!set.availability.last!.isAvailable)
    set.start()
    let values = set.read()
    set.stop()
    for (event, value) in zip(set.availability, values) {
      #expect(event.isAvailable == !value.isNaN, "\(event.name)")
    }
  }

  @Test func papiInitialisesAndListsComponents() throws {
    let info = try CounterLibrary.papi.get()
    #expect(!info.version.isEmpty)
    #expect(info.components.contains { $0.name == "perf_event" })
    // Without a PMU, the perf_event component must say why it is off.
    for component in info.components where !component.enabled {
      #expect(component.disabledReason != nil)
    }
  }

  @Test(
    "task-clock of a 2-thread sgemm is about twice its wall time",
    .enabled(if: taskClockAvailable && coreCount >= 2, "needs task-clock and at least 2 cores"))
  func taskClockCoversBLASWorkers() throws {
    let topology = try Topology()
    try topology.apply(ThreadConfig(threads: 2, binding: .compact))
    defer { _ = try? topology.apply(ThreadConfig(threads: coreCount, binding: .none)) }
    let n = 768
    let a = Tensor(shape: [n, n], scalars: [Float](repeating: 1, count: n * n))
    _ = BLAS.matmul(a, a)  // OpenBLAS threads exist before the counters attach
    let set = CounterSet(events: ["perf::TASK-CLOCK"])
    set.start()
    let t0 = Clock.now()
    for _ in 0..<20 { _ = BLAS.matmul(a, a) }
    let wall = Double(Clock.now() - t0)
    let taskClock = set.read()[0]
    set.stop()
    let ratio = taskClock / wall
    #expect(ratio > 1.5 && ratio < 2.3, "task-clock / wall = \(ratio) over \(set.threads.count) threads")
  }

  @Test func topologyHasCoresAndCaches() throws {
    let summary = try Topology().summary
    #expect(summary.coreCount >= 1)
    #expect(summary.processingUnits.count >= summary.coreCount)
    #expect(!summary.caches.isEmpty)
    #expect(summary.caches.allSatisfy { $0.sizeBytes > 0 && !$0.sharedBy.isEmpty })
    #expect(summary.lastLevelCacheBytes >= 256 << 10)
    #expect(!summary.numaNodes.isEmpty)
  }

  @Test("binding takes effect and is verified", arguments: BindingPolicy.allCases)
  func bindingIsVerified(policy: BindingPolicy) throws {
    let topology = try Topology()
    let cores = topology.summary.coreCount
    defer { _ = try? topology.apply(ThreadConfig(threads: cores, binding: .none)) }
    for threads in Set([1, cores]).sorted() {
      let record = try topology.apply(ThreadConfig(threads: threads, binding: policy))
      #expect(record.verified, "\(record)")
      #expect(record.blasThreads == threads)
      #expect(record.plannedProcessingUnits.count == (policy == .none ? 0 : threads))
      if policy != .none { #expect(Set(record.processCPUSet) == Set(record.plannedProcessingUnits)) }
    }
  }

  @Test func moreThreadsThanCoresIsAnError() throws {
    let topology = try Topology()
    let cores = topology.summary.coreCount
    #expect(throws: ThreadConfigError.tooManyThreads(requested: cores + 1, cores: cores)) {
      try topology.apply(ThreadConfig(threads: cores + 1, binding: .compact))
    }
    #expect(throws: ThreadConfigError.self) { try ThreadConfig.parseThreadList("1,x", cores: cores) }
    #expect(try ThreadConfig.parseThreadList("1-\(cores),all", cores: cores) == Array(1...cores))
  }

  @Test func fingerprintNamesTheMachine() throws {
    let fingerprint = MachineFingerprint.capture(topology: try Topology().summary)
    #expect(!fingerprint.cpuModel.isEmpty && fingerprint.cores >= 1)
    #expect(fingerprint.openBLAS.version != "unknown")
    #expect(fingerprint.buildConfiguration == "debug" || fingerprint.buildConfiguration == "release")
    #expect(fingerprint.papi.hasPrefix("PAPI"))
  }
}
