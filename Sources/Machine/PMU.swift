import Foundation

/// Whether this machine can count hardware events, decided by trying rather than by what PAPI's
/// component table claims: the kernel must expose a CPU PMU (`/sys/bus/event_source/devices/cpu`,
/// or `cpu_core`/`cpu_atom` on hybrid CPUs, or an ARM PMU) and PAPI must count `PAPI_TOT_CYC` on the
/// calling thread. (PAPI 7.0 enables its perf_event component on some PMU-less VMs and then cannot
/// add a single preset; on others it disables the component: both are "no PMU".)
package enum PMU {
  /// The kernel's CPU PMUs (event source devices other than software, tracepoint, breakpoint, …).
  package static var kernelPMUs: [String] {
    let generic: Set<String> = ["software", "tracepoint", "breakpoint", "uprobe", "kprobe", "msr", "power"]
    let devices =
      (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/event_source/devices")) ?? []
    return devices.filter { !generic.contains($0) && !$0.hasPrefix("uncore") && !$0.hasPrefix("amd_") }
      .sorted()
  }

  /// nil when hardware events can be counted here; otherwise why not.
  package static let unavailableReason: String? = probe()

  /// True when hardware events (cycles, instructions, FLOP events) can be counted here.
  package static var isAvailable: Bool { unavailableReason == nil }

  static func probe() -> String? {
    if case .failure(let error) = PAPI.library { return "PAPI failed to initialise: \(error)" }
    guard !kernelPMUs.isEmpty else {
      return "the kernel exposes no CPU PMU (/sys/bus/event_source/devices has none; typical of VMs)"
    }
    PAPI.registerCurrentThread()
    switch PAPI.resolve("PAPI_TOT_CYC") {
    case .failure(let error): return "PAPI cannot count PAPI_TOT_CYC: \(error)"
    case .success(let resolved):
      do {
        let set = try PAPIEventSet(component: resolved.component, thread: nil)
        try set.add(resolved.code)
        try set.start()
        var values = [Int64](repeating: 0, count: 1)
        try set.read(into: &values)
        try set.stop()
        return values[0] > 0 ? nil : "PAPI_TOT_CYC counted nothing"
      } catch {
        return "PAPI cannot count PAPI_TOT_CYC: \(error)"
      }
    }
  }
}
