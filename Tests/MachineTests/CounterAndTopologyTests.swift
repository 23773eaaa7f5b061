import Foundation
import Machine
import Tensors
import Testing

@testable import Machine

let defaultEvents = DefaultEvents.inspection

/// Whether this machine can count task-clock on every thread (PAPI or perf_event_open).
let coreCount = (try? Topology())?.summary.coreCount ?? 1

/// CPU nanoseconds each worker thread measured for itself.
final class ThreadTimes: @unchecked Sendable {
  private let lock = NSLock()
  private var values = [Double](repeating: 0, count: 2)
  func set(_ index: Int, _ value: Double) { lock.withLock { values[index] = value } }
  var total: Double { lock.withLock { values.reduce(0, +) } }
}

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
    #expect(info.version.split(separator: ".").count == 4, "full release version, got \(info.version)")
    #expect(info.components.contains { $0.name == "perf_event" })
    #expect(!PAPI.presetNames.isEmpty && PAPI.presetNames.contains("PAPI_TOT_CYC"))
  }

  @Test func softwareCountersCoverEveryThread() throws {
    // Two threads each burn CPU and time themselves with CLOCK_THREAD_CPUTIME_ID; task-clock summed over
    // the process's threads must account for both (CPU time, so it holds on a loaded machine too).
    let ready = DispatchSemaphore(value: 0)
    let go = DispatchSemaphore(value: 0)
    let done = DispatchSemaphore(value: 0)
    let own = ThreadTimes()
    for index in 0..<2 {
      Thread {
        ready.signal()
        go.wait()
        var t0 = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0)
        var x = 1.0
        for i in 0..<30_000_000 { x = x * 1.000_000_01 + Double(i & 1) * 1e-12 }
        var t1 = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1)
        own.set(
          index, Double(t1.tv_sec - t0.tv_sec) * 1e9 + Double(t1.tv_nsec - t0.tv_nsec) + (x == 0 ? 1 : 0))
        done.signal()
        go.wait()
      }.start()
    }
    ready.wait()
    ready.wait()
    let set = CounterSet(events: ["perf::TASK-CLOCK"])
    try #require(set.availability[0].isAvailable, "\(set.availability[0].summary)")
    set.start()
    go.signal()
    go.signal()
    done.wait()
    done.wait()
    let counted = set.read()[0]
    set.stop()
    go.signal()
    go.signal()
    let workers = own.total
    #expect(counted >= 0.95 * workers, "task-clock \(counted) ns vs the workers' own \(workers) ns")
  }

  @Test(
    "hardware counters count instructions and FLOPs on every thread",
    .enabled(if: PMU.isAvailable, "no PMU here: \(PMU.unavailableReason ?? "")"))
  func hardwareCountersCountEveryThread() throws {
    let topology = try Topology()
    try topology.apply(ThreadConfig(threads: topology.summary.coreCount, binding: .compact))
    let n = 512
    let a = Tensor(shape: [n, n], scalars: [Float](repeating: 1, count: n * n))
    _ = BLAS.matmul(a, a)  // OpenBLAS threads exist before the counters attach
    let set = CounterSet(events: ["PAPI_TOT_INS", "PAPI_SP_OPS"])
    let allAvailable = set.availability.allSatisfy { $0.isAvailable }
    try #require(allAvailable, "\(set.availability.map(\.summary))")
    set.start()
    for _ in 0..<10 { _ = BLAS.matmul(a, a) }
    let values = set.read()
    set.stop()
    #expect(values[0] > 0)
    let expected = 10 * 2 * Double(n * n * n)
    #expect(abs(values[1] / expected - 1) < 0.05, "counted \(values[1]) FLOPs for \(expected)")
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
    #expect(throws: ThreadConfigError.duplicate(1)) { try ThreadConfig.parseThreadList("1,1", cores: cores) }
    #expect(throws: ThreadConfigError.duplicate(1)) {
      try ThreadConfig.parseThreadList("1-\(cores),1", cores: cores)
    }
  }

  @Test func fingerprintNamesTheMachineAndItsConditions() throws {
    let summary = try Topology().summary
    let fingerprint = MachineFingerprint.capture(topology: summary, blasCore: nil)
    #expect(fingerprint.cores == summary.coreCount && fingerprint.cpuModel == summary.cpuModel)
    #expect(fingerprint.openBLAS.version.split(separator: ".").count == 3)
    #expect(fingerprint.hasHardwareCounters == PMU.isAvailable)
    let conditions = try #require(fingerprint.conditions)
    #expect(conditions.loadAverageStart.count == 3 && conditions.loadAverageEnd == nil)
    let finished = try #require(fingerprint.finished().conditions)
    #expect(finished.loadAverageEnd?.count == 3)
  }
}
