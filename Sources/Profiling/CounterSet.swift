/// Whether a requested event can be measured here, and by what.
public struct EventAvailability: Codable, Sendable, Equatable {
  public var name: String
  /// "papi" or "perf_event_open" when available; nil otherwise.
  public var source: String?
  /// Why the event cannot be measured (PAPI's reason), or why PAPI could not and the fallback did.
  public var reason: String?
  public var unit: String

  public var isAvailable: Bool { source != nil }

  /// "available (papi)", "available (perf_event_open; PAPI: …)" or "unavailable: <reason>".
  public var summary: String {
    guard let source else { return "unavailable: \(reason ?? "unknown reason")" }
    return "available (\(source)" + (reason.map { "; PAPI: \($0)" } ?? "") + ")"
  }
}

/// Errors of the counter layer.
public enum CounterError: Error, Equatable, Sendable, CustomStringConvertible {
  case unavailable(event: String, reason: String)
  case papi(PAPIError)

  public var description: String {
    switch self {
    case .unavailable(let event, let reason): return "\(event): \(reason)"
    case .papi(let error): return "PAPI \(error.function): \(error)"
    }
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
public final class CounterSet {
  /// Every requested event, measured or with the reason it is not (updated if starting fails).
  public private(set) var availability: [EventAvailability]
  public let threads: [Int32]
  private var papiSets: [PAPIEventSet] = []
  /// For each PAPI set, the index in `availability` of each of its events.
  private var papiSlots: [[Int]] = []
  private var software: [(slot: Int, counter: PerfSoftwareCounter)] = []
  private var scratch: [Int64] = []

  /// Resolves `events` and prepares counters on `threads` (default: every thread now).
  public init(events: [String], threads: [Int32] = ProcessThreads.all()) {
    self.threads = threads
    var availability: [EventAvailability] = []
    var papiBySlot: [(slot: Int, code: Int32, component: Int32)] = []
    var software: [(slot: Int, counter: PerfSoftwareCounter)] = []
    for (slot, name) in events.enumerated() {
      switch PAPI.resolve(name) {
      case .success(let resolved):
        papiBySlot.append((slot, resolved.code, resolved.component))
        availability.append(EventAvailability(name: name, source: "papi", reason: nil, unit: "count"))
      case .failure(let papiError):
        if let known = PerfSoftwareCounter.lookup(name) {
          do {
            let counter = try PerfSoftwareCounter(
              name: name, config: known.config, unit: known.unit, threads: threads)
            software.append((slot, counter))
            availability.append(
              EventAvailability(
                name: name, source: "perf_event_open", reason: papiError.description, unit: known.unit))
          } catch {
            availability.append(
              EventAvailability(name: name, source: nil, reason: "\(papiError); \(error)", unit: known.unit))
          }
        } else {
          availability.append(
            EventAvailability(name: name, source: nil, reason: papiError.description, unit: "count"))
        }
      }
    }
    // One PAPI event set per (component, thread).
    var sets: [PAPIEventSet] = []
    var slots: [[Int]] = []
    let components = Set(papiBySlot.map(\.component)).sorted()
    for component in components {
      let members = papiBySlot.filter { $0.component == component }
      for tid in threads {
        do {
          let set = try PAPIEventSet(component: component, thread: tid)
          var added: [Int] = []
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
    self.availability = availability
    self.papiSets = sets
    self.papiSlots = slots
    self.software = software
    self.scratch = [Int64](repeating: 0, count: max(events.count, 1))
  }

  /// Names of the events that are measured.
  public var measuredEvents: [String] { availability.filter(\.isAvailable).map(\.name) }

  /// Whether any PAPI (hardware) event set is in use.
  public var usesPAPI: Bool { !papiSets.isEmpty }

  /// Starts every counter from zero. An event set PAPI refuses to start (e.g. a thread it may not
  /// attach to) marks its events unavailable with PAPI's reason; the others still count.
  public func start() {
    for (index, set) in papiSets.enumerated() {
      do {
        try set.start()
      } catch {
        for slot in papiSlots[index] {
          availability[slot].source = nil
          availability[slot].reason = "PAPI_start: \(error)"
        }
      }
    }
    for entry in software { entry.counter.start() }
  }

  /// Writes the totals since `start` into `totals`, indexed like `availability` (NaN for
  /// unavailable events). Does not allocate when `totals` already has the right count.
  public func read(into totals: inout [Double]) {
    if totals.count != availability.count { totals = [Double](repeating: 0, count: availability.count) }
    for i in totals.indices { totals[i] = availability[i].isAvailable ? 0 : .nan }
    for (index, set) in papiSets.enumerated() {
      do {
        try set.read(into: &scratch)
        for (position, slot) in papiSlots[index].enumerated() { totals[slot] += Double(scratch[position]) }
      } catch {
        for slot in papiSlots[index] { totals[slot] = .nan }
      }
    }
    for entry in software { totals[entry.slot] = entry.counter.read() }
  }

  /// The totals since `start` as a new array.
  public func read() -> [Double] {
    var totals: [Double] = []
    read(into: &totals)
    return totals
  }

  /// Stops every counter.
  public func stop() {
    for set in papiSets { try? set.stop() }
    for entry in software { entry.counter.stop() }
  }
}
