import Foundation

/// The machine conditions that change numbers, read where Linux exposes them: CPU frequency governor and
/// boost, SMT state, load average at the start and end of a run, and the hypervisor's steal time during it
/// (from /proc/stat).
///
/// Unreadable facts are nil ("not readable here"), never guessed.
package struct RunConditions: Codable, Sendable, Equatable {
  /// scaling_governor of CPU 0 (nil in most VMs, which expose no cpufreq).
  package var governor: String?
  /// "on"/"off" from cpufreq/boost or intel_pstate/no_turbo.
  package var boost: String?
  /// SMT control ("on", "off", "notsupported", …) and whether sibling threads are active.
  package var smt: String?
  /// 1, 5 and 15-minute load averages when the run started.
  package var loadAverageStart: [Double]
  /// The same when the run ended (nil until `finish()`).
  package var loadAverageEnd: [Double]?
  /// Share of CPU time the hypervisor stole during the run, 0…1 (nil when /proc/stat has no steal).
  package var stealFraction: Double?
  /// /proc/stat's aggregate CPU counters when the run started (to compute steal at the end).
  var startTicks: [UInt64]

  /// Reads the conditions now (the start of a run).
  package static func capture() -> RunConditions {
    func read(_ path: String) -> String? {
      (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    var boost = read("/sys/devices/system/cpu/cpufreq/boost").map { $0 == "1" ? "on" : "off" }
    if boost == nil, let noTurbo = read("/sys/devices/system/cpu/intel_pstate/no_turbo") {
      boost = noTurbo == "1" ? "off" : "on"
    }
    var smt = read("/sys/devices/system/cpu/smt/control")
    if let active = read("/sys/devices/system/cpu/smt/active") {
      smt = (smt ?? "unknown") + (active == "1" ? ", siblings active" : ", siblings inactive")
    }
    return RunConditions(
      governor: read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"), boost: boost, smt: smt,
      loadAverageStart: loadAverage(), loadAverageEnd: nil, stealFraction: nil, startTicks: cpuTicks())
  }

  /// The conditions with the end readings filled in (load average now, steal since `capture`).
  package func finished() -> RunConditions {
    var copy = self
    copy.loadAverageEnd = Self.loadAverage()
    let end = Self.cpuTicks()
    // Fields: user nice system idle iowait irq softirq steal …
    if startTicks.count > 7, end.count > 7 {
      let total = zip(end, startTicks).prefix(8).reduce(0.0) { $0 + Double($1.0 &- $1.1) }
      copy.stealFraction = total > 0 ? Double(end[7] &- startTicks[7]) / total : 0
    }
    return copy
  }

  /// A one-line warning when other work loaded the machine or the hypervisor stole time.
  package func warning(cores: Int) -> String? {
    var problems: [String] = []
    if let load = loadAverageStart.first, load > 0.5 * Double(max(cores, 1)) {
      problems.append("load average \(String(format: "%.2f", load)) at the start on \(cores) cores")
    }
    if let steal = stealFraction, steal > 0.02 {
      problems.append("the hypervisor stole \(String(format: "%.1f", steal * 100))% of CPU time")
    }
    return problems.isEmpty
      ? nil : "the machine was busy (" + problems.joined(separator: "; ") + "): timings may be noisy"
  }

  static func loadAverage() -> [Double] {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return [] }
    return text.split(separator: " ").prefix(3).compactMap { Double($0) }
  }

  static func cpuTicks() -> [UInt64] {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
    else { return [] }
    return line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
  }
}
