import CPAPI

/// One PAPI event set, optionally attached to a thread, owning its handle (cleaned up and destroyed in
/// `deinit`).
///
/// Events are counted for the attached thread only; `CounterSet` makes one per thread.
final class PAPIEventSet {
  private var handle: Int32
  private(set) var codes: [Int32] = []
  private(set) var multiplexed = false
  private var running = false

  /// Creates an event set for `component`; with `thread` (a kernel tid) it counts that thread.
  init(component: Int32, thread: Int32?) throws(PAPIError) {
    if case .failure(let failure) = PAPI.library { throw failure }
    PAPI.registerCurrentThread()
    var set = lrd_papi_null()
    try PAPI.check(PAPI_create_eventset(&set), "PAPI_create_eventset")
    handle = set
    try PAPI.check(PAPI_assign_eventset_component(handle, component), "PAPI_assign_eventset_component")
    if let thread {
      try PAPI.check(PAPI_attach(handle, UInt(thread)), "PAPI_attach", detail: "thread \(thread)")
    }
  }

  deinit {
    if running {
      var scratch = [Int64](repeating: 0, count: max(codes.count, 1))
      _ = PAPI_stop(handle, &scratch)
    }
    _ = PAPI_cleanup_eventset(handle)
    _ = PAPI_destroy_eventset(&handle)
  }

  /// Adds an event; when the counters are exhausted, converts the set to multiplexing and retries.
  func add(_ code: Int32) throws(PAPIError) {
    var rc = PAPI_add_event(handle, code)
    if rc != PAPI.ok, !multiplexed, rc == PAPI_ECNFLCT || rc == PAPI_ECOUNT {
      try PAPI.check(PAPI_set_multiplex(handle), "PAPI_set_multiplex")
      multiplexed = true
      rc = PAPI_add_event(handle, code)
    }
    try PAPI.check(rc, "PAPI_add_event", detail: PAPI.componentDetail(code: code))
    codes.append(code)
  }

  func start() throws(PAPIError) {
    try PAPI.check(PAPI_start(handle), "PAPI_start")
    running = true
  }

  /// Current counts (since start), one per added event, in the order added.
  func read(into values: inout [Int64]) throws(PAPIError) {
    try PAPI.check(PAPI_read(handle, &values), "PAPI_read")
  }

  func stop() throws(PAPIError) {
    guard running else { return }
    var values = [Int64](repeating: 0, count: max(codes.count, 1))
    running = false
    try PAPI.check(PAPI_stop(handle, &values), "PAPI_stop")
  }
}
