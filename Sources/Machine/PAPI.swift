import CPAPI
import Support
import Synchronization

/// A PAPI status code as a typed error (swift-system's `Errno` pattern).
package struct PAPIError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// PAPI's return code (negative).
  package var code: Int32
  /// The PAPI function that returned it.
  package var function: String
  /// PAPI's own message (`PAPI_strerror`).
  package var message: String
  /// Extra context, for example why the component is disabled.
  package var detail: String?

  /// The message printed for this error: the PAPI call, its status code and PAPI's text.
  package var description: String {
    message + (detail.map { " (\($0))" } ?? "")
  }

  /// Never bad input: a failure (exit 1).
  package var isBadInput: Bool { false }
}

/// PAPI library information, gathered once at initialisation.
package struct PAPILibraryInfo: Codable, Sendable, Equatable {
  /// One PAPI component (for example `perf_event`) and whether it can count.
  package struct Component: Codable, Sendable, Equatable {
    package var index: Int
    package var name: String
    /// True when PAPI enabled the component.
    package var enabled: Bool
    /// PAPI's reason for disabling it, nil when enabled.
    package var disabledReason: String?
    /// Hardware counters the component offers (0 without a PMU).
    package var hardwareCounters: Int
  }

  /// Runtime version, for example "7.0.0.0".
  package var version: String
  /// Every component PAPI was built with.
  package var components: [Component]
  /// The CPU model string PAPI reads.
  package var cpuModel: String
  /// True when PAPI detects a virtual machine, nil when it cannot tell.
  package var virtualized: Bool?
  /// The hypervisor's vendor string (for example "KVMKVMKVM"), nil when none or unknown.
  package var virtualVendor: String?

  /// Whether some component claims hardware counters (PAPI's table; `PMU.isAvailable` says whether
  /// they really count).
  package var claimsHardwareCounters: Bool { components.contains { $0.enabled && $0.hardwareCounters > 0 } }
}

/// The one place PAPI status codes are interpreted, and the library's process-wide state.
enum PAPI {
  static let ok: Int32 = 0

  /// Throws `PAPIError` for any code other than PAPI_OK.
  static func check(_ rc: Int32, _ function: String, detail: String? = nil) throws(PAPIError) {
    if rc != ok { throw error(rc, function, detail: detail) }
  }

  static func error(_ rc: Int32, _ function: String, detail: String? = nil) -> PAPIError {
    let message = PAPI_strerror(rc).map { String(cString: $0) } ?? "PAPI error \(rc)"
    return PAPIError(code: rc, function: function, message: message, detail: detail)
  }

  /// Initialises the library once per process (thread-safe lazy global), with PAPI's own stderr
  /// diagnostics (components probing hardware that is not there) kept off the terminal.
  static let library: Result<PAPILibraryInfo, PAPIError> = silenced { initialize() }

  /// Runs `body` with stderr redirected to /dev/null.
  static func silenced<T>(_ body: () -> T) -> T {
    let saved = lrd_silence_stderr()
    defer { lrd_restore_stderr(saved) }
    return body()
  }

  /// Every PAPI preset name (available here or not), for example PAPI_TOT_CYC, for validating requests.
  static let presetNames: [String] = silenced {
    guard case .success = library else { return [] }
    var names: [String] = []
    var code = lrd_papi_preset_mask()
    var name = [CChar](repeating: 0, count: 256)
    var rc = lrd_papi_next_preset(&code, 1, &name, 256)
    while rc == ok && names.count < 1000 {
      names.append(String(nullTerminated: name))
      rc = lrd_papi_next_preset(&code, 0, &name, 256)
    }
    return Array(Set(names.filter { !$0.isEmpty })).sorted()
  }

  private static func initialize() -> Result<PAPILibraryInfo, PAPIError> {
    let expected = lrd_papi_ver_current()
    let rc = PAPI_library_init(expected)
    guard rc == expected else {
      return .failure(
        rc < 0
          ? error(rc, "PAPI_library_init")
          : PAPIError(
            code: rc, function: "PAPI_library_init", message: "PAPI version mismatch",
            detail: "headers \(expected), library \(rc)"))
    }
    // Event sets may be made and read on any thread (test runners, future concurrent callers).
    let threads = lrd_papi_thread_init()
    if threads != ok { return .failure(error(threads, "PAPI_thread_init")) }
    // Multiplexing lets more events than hardware counters share them; failure only disables that.
    _ = PAPI_multiplex_init()
    // PAPI_library_init returns only major.minor; the headers name the full release linked against.
    let header = lrd_papi_header_version()
    let fullVersion = [
      lrd_papi_version_major(header), lrd_papi_version_minor(header), lrd_papi_version_revision(header),
      lrd_papi_version_increment(header),
    ]
    var components: [PAPILibraryInfo.Component] = []
    for cid in 0..<PAPI_num_components() {
      var name = [CChar](repeating: 0, count: 256)
      var reason = [CChar](repeating: 0, count: 1024)
      let disabled = lrd_papi_component(cid, &name, 256, &reason, 1024)
      let reasonText = String(nullTerminated: reason)
      components.append(
        .init(
          index: Int(cid), name: String(nullTerminated: name), enabled: disabled == 0,
          disabledReason: disabled == 0
            ? nil : (reasonText.isEmpty ? "disabled (code \(disabled))" : reasonText),
          hardwareCounters: max(Int(PAPI_num_cmp_hwctrs(cid)), 0)))
    }
    var model = [CChar](repeating: 0, count: 256)
    var vmVendor = [CChar](repeating: 0, count: 256)
    let virtualized = lrd_papi_hardware(&model, 256, &vmVendor, 256)
    let vendor = String(nullTerminated: vmVendor)
    return .success(
      PAPILibraryInfo(
        version: fullVersion.map(String.init).joined(separator: "."), components: components,
        cpuModel: String(nullTerminated: model), virtualized: virtualized < 0 ? nil : virtualized == 1,
        virtualVendor: vendor.isEmpty ? nil : vendor))
  }

  /// Registers the calling thread with PAPI (idempotent).
  ///
  /// PAPI 7.0 dereferences a null per-thread record when a thread that never registered looks up an unknown
  /// event name, so every entry point calls this first.
  static func registerCurrentThread() {
    _ = PAPI_register_thread()
  }

  /// Resolved event names, so repeated points do not look names up again.
  private static let resolved = Mutex<[String: Result<Resolved, PAPIError>]>([:])

  /// An event PAPI can count: its code and owning component.
  struct Resolved: Sendable {
    var code: Int32
    var component: Int32
  }

  /// Resolves an event name to a code that PAPI can actually add to an event set, or the reason it cannot
  /// (name unknown, event not on this hardware, component disabled and why).
  ///
  /// Cached.
  static func resolve(_ name: String) -> Result<Resolved, PAPIError> {
    if let cached = resolved.withLock({ $0[name] }) { return cached }
    let result = lookUp(name)
    resolved.withLock { $0[name] = result }
    return result
  }

  private static func lookUp(_ name: String) -> Result<Resolved, PAPIError> {
    if case .failure(let failure) = library { return .failure(failure) }
    registerCurrentThread()
    var code: Int32 = 0
    let rc = silenced { PAPI_event_name_to_code(name, &code) }
    guard rc == ok else {
      return .failure(error(rc, "PAPI_event_name_to_code", detail: componentDetail(for: name)))
    }
    let component = PAPI_get_event_component(code)
    let query = PAPI_query_event(code)
    guard query == ok else {
      return .failure(error(query, "PAPI_query_event", detail: componentDetail(code: code)))
    }
    // Adding to a scratch event set catches disabled components and unusable events.
    do {
      let set = try PAPIEventSet(component: component, thread: nil)
      try set.add(code)
    } catch {
      return .failure(error)
    }
    return .success(Resolved(code: code, component: component))
  }

  /// "component perf_event disabled: <reason>" for the component an event belongs to, if disabled.
  static func componentDetail(code: Int32) -> String? {
    let cid = PAPI_get_event_component(code)
    guard cid >= 0, case .success(let info) = library,
      let component = info.components.first(where: { $0.index == Int(cid) }), !component.enabled
    else { return nil }
    return "component \(component.name): \(component.disabledReason ?? "disabled")"
  }

  /// For names PAPI cannot resolve: which component would own them (perf:: → perf_event).
  static func componentDetail(for name: String) -> String? {
    guard case .success(let info) = library else { return nil }
    let owner = name.lowercased().hasPrefix("perf::") || name.hasPrefix("PAPI_") ? "perf_event" : nil
    guard let owner, let component = info.components.first(where: { $0.name == owner }), !component.enabled
    else {
      return nil
    }
    return "component \(component.name): \(component.disabledReason ?? "disabled")"
  }
}

extension String {
  /// The text of a NUL-terminated C character buffer (everything before the first NUL).
  init(nullTerminated buffer: [CChar]) {
    self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
