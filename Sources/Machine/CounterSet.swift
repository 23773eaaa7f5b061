/// Whether a requested event can be measured here, and by what.
package struct EventAvailability: Codable, Sendable, Equatable {
  /// The event's name as requested.
  package var name: String
  /// "papi" or "perf_event_open" when available; nil otherwise.
  package var source: String?
  /// Why the event cannot be measured (PAPI's reason), or why PAPI could not and the fallback did.
  package var reason: String?
  /// The unit of one count (for example "events" or "cycles").
  package var unit: String

  /// True when the event is counted here (by PAPI or by perf_event_open).
  package var isAvailable: Bool { source != nil }

  /// "available (papi)", "available (perf_event_open; PAPI: …)" or "unavailable: <reason>".
  package var summary: String {
    guard let source else { return "unavailable: \(reason ?? "unknown reason")" }
    return "available (\(source)" + (reason.map { "; PAPI: \($0)" } ?? "") + ")"
  }
}

/// A set of events counted on every thread of the process (OpenBLAS workers included).
///
/// Method: counters attach to each thread listed in `/proc/self/task` when the set is made (PAPI:
/// one event set per thread and component via `PAPI_attach`; `perf::` software events PAPI cannot
/// count: one `perf_event_open` descriptor per thread). The sum over threads is the process total,
/// so a 2-thread GEMM shows about twice its wall time in task-clock. Threads created after the set
/// is made are missed; make the set after choosing the BLAS thread count.
/// Events PAPI cannot resolve and the fallback cannot provide are reported unavailable with the
/// reason, never silently dropped.
package final class CounterSet {
  /// Every requested event, measured or with the reason it is not (updated if starting fails).
  package private(set) var availability: [EventAvailability]
  /// The OS thread ids counted (one counter group per thread).
  package let threads: [Int32]
  private var papiSets: [PAPIEventSet] = []
  /// For each PAPI set, the index in `availability` of each of its events.
  private var papiSlots: [[Int?]] = []
  private var software: [(slot: Int, counter: PerfSoftwareCounter)] = []
  private var scratch: [Int64] = []

  /// Resolves `events` and prepares counters on `threads` (default: every thread now).
  package init(events: [String], threads: [Int32] = ProcessThreads.all()) {
    self.threads = threads
    var availability: [EventAvailability] = []
    var papiBySlot: [(slot: Int, code: Int32, component: Int32)] = []
    for (slot, name) in events.enumerated() {
      switch PAPI.resolve(name) {
      case .success(let resolved):
        papiBySlot.append((slot, resolved.code, resolved.component))
        availability.append(EventAvailability(name: name, source: "papi", reason: nil, unit: "count"))
      case .failure(let papiError):
        availability.append(
          EventAvailability(
            name: name, source: nil, reason: papiError.description,
            unit: PerfSoftwareCounter.lookup(name)?.unit ?? "count"))
      }
    }
    // One PAPI event set per (component, thread); an event that fails on any thread is not PAPI's.
    var sets: [PAPIEventSet] = []
    var slots: [[Int?]] = []
    for component in Set(papiBySlot.map(\.component)).sorted() {
      let members = papiBySlot.filter { $0.component == component }
      for tid in threads {
        do {
          let set = try PAPIEventSet(component: component, thread: tid)
          var added: [Int?] = []
          for member in members {
            do {
              try set.add(member.code)
              added.append(member.slot)
            } catch {
              availability[member.slot].source = nil
              availability[member.slot].reason = "\(error)"
            }
          }
          sets.append(set)
          slots.append(added)
        } catch {
          for member in members {
            availability[member.slot].source = nil
            availability[member.slot].reason = "\(error)"
          }
        }
      }
    }
    // perf:: software events PAPI cannot count (no PMU: PAPI may disable its perf_event component, or
    // enable it and still fail to attach) are counted with perf_event_open on every thread instead.
    var software: [(slot: Int, counter: PerfSoftwareCounter)] = []
    for slot in availability.indices where !availability[slot].isAvailable {
      guard let known = PerfSoftwareCounter.lookup(availability[slot].name) else { continue }
      let papiReason = availability[slot].reason ?? "not counted by PAPI"
      do {
        software.append(
          (
            slot,
            try PerfSoftwareCounter(
              name: availability[slot].name, config: known.config, unit: known.unit, threads: threads)
          ))
        availability[slot] = EventAvailability(
          name: availability[slot].name, source: "perf_event_open", reason: papiReason, unit: known.unit)
      } catch {
        availability[slot].reason = "\(papiReason); \(error)"
      }
    }
    // PAPI positions whose slot is not PAPI's any more are read and ignored.
    self.papiSlots = slots.map { list in
      list.map { slot in slot.flatMap { availability[$0].source == "papi" ? $0 : nil } }
    }
    self.availability = availability
    self.papiSets = sets
    self.software = software
    self.scratch = [Int64](repeating: 0, count: max(events.count, 1))
  }

  /// Starts every counter from zero.
  ///
  /// An event set PAPI refuses to start (for example a thread it may not attach to) marks its events
  /// unavailable with PAPI's reason; the others still count.
  package func start() {
    for (index, set) in papiSets.enumerated() {
      do {
        try set.start()
      } catch {
        for case let slot? in papiSlots[index] {
          availability[slot].source = nil
          availability[slot].reason = "PAPI_start: \(error)"
        }
      }
    }
    for entry in software { entry.counter.start() }
  }

  /// Writes the totals since `start` into `totals`, indexed like `availability` (NaN for unavailable events).
  ///
  /// Does not allocate when `totals` already has the right count.
  package func read(into totals: inout [Double]) {
    if totals.count != availability.count { totals = [Double](repeating: 0, count: availability.count) }
    for i in totals.indices { totals[i] = availability[i].isAvailable ? 0 : .nan }
    for (index, set) in papiSets.enumerated() {
      do {
        try set.read(into: &scratch)
        for (position, slot) in papiSlots[index].enumerated() {
          if let slot { totals[slot] += Double(scratch[position]) }
        }
      } catch {
        for case let slot? in papiSlots[index] { totals[slot] = .nan }
      }
    }
    for entry in software { totals[entry.slot] = entry.counter.read() }
  }

  /// The totals since `start` as a new array.
  package func read() -> [Double] {
    var totals: [Double] = []
    read(into: &totals)
    return totals
  }

  package func stop() {
    for set in papiSets { try? set.stop() }
    for entry in software { entry.counter.stop() }
  }
}
