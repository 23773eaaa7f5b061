import Support

/// A stable key for "the same machine" in the results store: built from facts that do not change between runs
/// (CPU vendor, family, model and name, ISA level and extensions, packages, cores, PUs, every cache's level,
/// size and sharing), never from clock rates, load or memory in use.
///
/// Readable prefix plus the last 8 hex digits of FNV-1a over all the facts, for example
/// `amd-f25m17-avx512-1p2c2t-llc32m-3fa1c2d0`.
package enum MachineKey {
  /// The stable key of this machine (readable prefix and an 8-hex-digit hash of every fact).
  package static func make(topology: TopologySummary, cpu: CPUFeatures) -> String {
    let vendor =
      cpu.vendor.lowercased().contains("amd")
      ? "amd" : cpu.vendor.lowercased().contains("intel") ? "intel" : "cpu"
    let family = cpu.family.map { "f\($0)" } ?? ""
    let model = cpu.model.map { "m\($0)" } ?? ""
    let isa = String(describing: cpu.level).lowercased().filter { $0.isLetter || $0.isNumber }
    let shape = "\(topology.packages)p\(topology.coreCount)c\(topology.processingUnits.count)t"
    let llc = "llc\(topology.lastLevelCacheBytes >> 20)m"
    let facts = [
      cpu.vendor, cpu.modelName, "\(cpu.family ?? -1)", "\(cpu.model ?? -1)", "\(cpu.level)",
      cpu.extensions.sorted().joined(separator: ","), shape,
      topology.caches.map { "\($0.name):\($0.sizeBytes):\($0.sharedBy.count)" }.joined(separator: ";"),
    ].joined(separator: "|")
    return [vendor, family + model, isa, shape, llc].filter { !$0.isEmpty }.joined(separator: "-") + "-"
      + FNV1a.hex(facts).suffix(8)
  }
}
