import CHwloc
import Foundation
import OrderedCollections
import Support

/// The machine as hwloc sees it, as a plain value stored in every result.
package struct TopologySummary: Codable, Sendable, Equatable {
  /// One physical core and its PUs.
  package struct Core: Codable, Sendable, Equatable {
    /// hwloc's logical index of the core.
    package var logicalIndex: Int
    /// OS indices of the core's processing units (hardware threads).
    package var processingUnits: [Int]

    /// A value with every stored property given.
    package init(logicalIndex: Int, processingUnits: [Int]) {
      self.logicalIndex = logicalIndex
      self.processingUnits = processingUnits
    }
  }

  package struct Cache: Codable, Sendable, Equatable {
    /// The cache's name: "L1d", "L1i", "L2", "L3" and so on.
    package var name: String
    /// Cache level (1, 2, 3).
    package var level: Int
    /// "data", "instruction" or "unified".
    package var kind: String
    /// Size in bytes.
    package var sizeBytes: Int
    /// Line size in bytes.
    package var lineBytes: Int
    /// OS indices of the PUs that share this cache instance.
    package var sharedBy: [Int]

    /// A value with every stored property given.
    package init(name: String, level: Int, kind: String, sizeBytes: Int, lineBytes: Int, sharedBy: [Int]) {
      self.name = name
      self.level = level
      self.kind = kind
      self.sizeBytes = sizeBytes
      self.lineBytes = lineBytes
      self.sharedBy = sharedBy
    }
  }

  package struct NUMANode: Codable, Sendable, Equatable {
    /// The node's OS index.
    package var osIndex: Int
    /// Local memory, in bytes.
    package var memoryBytes: Int
    /// OS indices of the node's PUs.
    package var processingUnits: [Int]

    /// A value with every stored property given.
    package init(osIndex: Int, memoryBytes: Int, processingUnits: [Int]) {
      self.osIndex = osIndex
      self.memoryBytes = memoryBytes
      self.processingUnits = processingUnits
    }
  }

  /// The CPU's marketing name.
  package var cpuModel: String
  /// CPU packages (sockets).
  package var packages: Int
  package var cores: [Core]
  /// OS indices of every PU.
  package var processingUnits: [Int]
  package var caches: [Cache]
  package var numaNodes: [NUMANode]
  /// Total memory, in bytes.
  package var totalMemoryBytes: Int
  /// hwloc's runtime release (for example "2.8.0").
  package var hwlocVersion: String

  package var coreCount: Int { cores.count }

  /// The largest cache size (the last-level cache), or 32 MiB when hwloc reports none.
  package var lastLevelCacheBytes: Int { caches.map(\.sizeBytes).max() ?? 32 << 20 }

  /// One line, for example "1 package, 2 cores, 2 PUs, L1d 48 KiB ×2, L2 1 MiB ×2, L3 32 MiB ×1, 1 NUMA node".
  package var oneLine: String {
    var parts = [
      "\(packages) package\(packages == 1 ? "" : "s")", "\(cores.count) cores",
      "\(processingUnits.count) PUs",
    ]
    // Each cache level once, in hwloc's order, with its size and how many instances there are.
    var levels = OrderedDictionary<String, (size: Int, count: Int)>()
    for cache in caches { levels[cache.name, default: (cache.sizeBytes, 0)].count += 1 }
    for (name, level) in levels { parts.append("\(name) \(ByteCount.format(level.size)) ×\(level.count)") }
    parts.append("\(numaNodes.count) NUMA node\(numaNodes.count == 1 ? "" : "s")")
    return parts.joined(separator: ", ")
  }

  /// A value with every stored property given.
  package init(
    cpuModel: String, packages: Int, cores: [Core], processingUnits: [Int], caches: [Cache],
    numaNodes: [NUMANode], totalMemoryBytes: Int, hwlocVersion: String
  ) {
    self.cpuModel = cpuModel
    self.packages = packages
    self.cores = cores
    self.processingUnits = processingUnits
    self.caches = caches
    self.numaNodes = numaNodes
    self.totalMemoryBytes = totalMemoryBytes
    self.hwlocVersion = hwlocVersion
  }
}

/// Human-readable byte counts (binary units).
package enum ByteCount {
  /// A byte count in binary units ("32 KiB", "1 MiB", "4.6 GiB").
  package static func format(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return value == value.rounded()
      ? "\(Int(value)) \(units[unit])" : String(format: "%.1f %@", value, units[unit])
  }
}

/// Errors from hwloc, with the failing function and errno.
package struct TopologyError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The hwloc call that failed.
  package var function: String
  /// The errno it set.
  package var errno: Int32
  /// The message printed for this error.
  package var description: String { "hwloc \(function) failed: \(String(cString: strerror(errno)))" }

  /// Never bad input: a failure (exit 1).
  package var isBadInput: Bool { false }
}

/// A loaded hwloc topology.
///
/// Owns the handle and destroys it in `deinit`.
package final class Topology {
  let handle: hwloc_topology_t
  /// The summary taken when the topology was loaded.
  package let summary: TopologySummary

  /// The one place hwloc status codes become errors (hwloc returns -1 and sets errno).
  static func check(_ rc: Int32, _ function: String) throws(TopologyError) {
    if rc < 0 { throw TopologyError(function: function, errno: errno) }
  }

  package init() throws(TopologyError) {
    var topology: hwloc_topology_t?
    try Self.check(hwloc_topology_init(&topology), "hwloc_topology_init")
    guard let topology else { throw TopologyError(function: "hwloc_topology_init", errno: ENOMEM) }
    do {
      try Self.check(hwloc_topology_load(topology), "hwloc_topology_load")
      try Self.restrictToAllocation(topology)
    } catch {
      hwloc_topology_destroy(topology)
      throw error
    }
    handle = topology
    summary = Self.summarize(topology)
  }

  /// Inside a Slurm job (SLURM_JOB_ID set), the CPUs the job step may run on; nil elsewhere or when they
  /// cannot be read.
  ///
  /// Read once, when the first topology is loaded (before lrd-bench binds any thread). Only under Slurm:
  /// elsewhere a process started by a thread lrd-bench itself bound (a child of a run, a test) would
  /// mistake that binding for an allocation.
  static let allocation: [Int]? = {
    guard ProcessInfo.processInfo.environment["SLURM_JOB_ID"] != nil else { return nil }
    var cpus = [Int32](repeating: 0, count: 4096)
    let count = lrd_allowed_cpus(&cpus, Int32(cpus.count))
    return count < 0 ? nil : cpus.prefix(Int(count)).map(Int.init)
  }()

  /// Restricts the topology to the allocation, so core counts, thread configs and bindings never reach
  /// outside the CPUs this process was given.
  static func restrictToAllocation(_ topology: hwloc_topology_t) throws(TopologyError) {
    guard let allocation, !allocation.isEmpty, let root = hwloc_get_root_obj(topology) else { return }
    let all = indices(root.pointee.cpuset)
    guard Set(all) != Set(allocation).intersection(all), !Set(allocation).isDisjoint(with: all) else {
      return
    }
    guard let set = hwloc_bitmap_alloc() else {
      throw TopologyError(function: "hwloc_bitmap_alloc", errno: ENOMEM)
    }
    defer { hwloc_bitmap_free(set) }
    for cpu in allocation { hwloc_bitmap_set(set, UInt32(cpu)) }
    try check(hwloc_topology_restrict(topology, set, 0), "hwloc_topology_restrict")
  }

  deinit { hwloc_topology_destroy(handle) }

  static func indices(_ set: hwloc_const_bitmap_t?) -> [Int] {
    guard let set else { return [] }
    var buffer = [Int32](repeating: 0, count: 4096)
    let n = lrd_hwloc_bitmap_indices(set, &buffer, Int32(buffer.count))
    return n < 0 ? [] : buffer.prefix(Int(min(n, 4096))).map(Int.init)
  }

  static func objects(_ topology: hwloc_topology_t, _ type: hwloc_obj_type_t) -> [hwloc_obj_t] {
    let count = hwloc_get_nbobjs_by_type(topology, type)
    guard count > 0 else { return [] }
    return (0..<UInt32(count)).compactMap { hwloc_get_obj_by_type(topology, type, $0) }
  }

  private static func summarize(_ topology: hwloc_topology_t) -> TopologySummary {
    let root = hwloc_get_root_obj(topology)
    let packages = objects(topology, HWLOC_OBJ_PACKAGE)
    var model = ""
    for object in packages + (root.map { [$0] } ?? []) {
      if let value = hwloc_obj_get_info_by_name(object, "CPUModel") {
        model = String(cString: value)
        break
      }
    }
    let cores = objects(topology, HWLOC_OBJ_CORE).map {
      TopologySummary.Core(
        logicalIndex: Int($0.pointee.logical_index), processingUnits: indices($0.pointee.cpuset))
    }
    let pus = objects(topology, HWLOC_OBJ_PU).map { Int($0.pointee.os_index) }
    let cacheTypes: [(hwloc_obj_type_t, Int, String)] = [
      (HWLOC_OBJ_L1CACHE, 1, ""), (HWLOC_OBJ_L1ICACHE, 1, "i"), (HWLOC_OBJ_L2CACHE, 2, ""),
      (HWLOC_OBJ_L2ICACHE, 2, "i"), (HWLOC_OBJ_L3CACHE, 3, ""), (HWLOC_OBJ_L3ICACHE, 3, "i"),
      (HWLOC_OBJ_L4CACHE, 4, ""), (HWLOC_OBJ_L5CACHE, 5, ""),
    ]
    var caches: [TopologySummary.Cache] = []
    for (type, level, _) in cacheTypes {
      for object in objects(topology, type) {
        var size: UInt64 = 0
        var depth: UInt32 = 0
        var line: UInt32 = 0
        var kind: Int32 = 0
        lrd_hwloc_cache_attr(object, &size, &depth, &line, &kind)
        let kindName: String
        switch hwloc_obj_cache_type_e(rawValue: UInt32(bitPattern: kind)) {
        case HWLOC_OBJ_CACHE_DATA: kindName = "data"
        case HWLOC_OBJ_CACHE_INSTRUCTION: kindName = "instruction"
        default: kindName = "unified"
        }
        let suffix = kindName == "data" ? "d" : kindName == "instruction" ? "i" : ""
        caches.append(
          .init(
            name: "L\(level)\(suffix)", level: level, kind: kindName, sizeBytes: Int(size),
            lineBytes: Int(line),
            sharedBy: indices(object.pointee.cpuset)))
      }
    }
    let numa = objects(topology, HWLOC_OBJ_NUMANODE).map {
      TopologySummary.NUMANode(
        osIndex: Int($0.pointee.os_index), memoryBytes: Int(lrd_hwloc_numa_local_memory($0)),
        processingUnits: indices($0.pointee.cpuset))
    }
    let api = hwloc_get_api_version()
    return TopologySummary(
      cpuModel: model.isEmpty ? CPUInfo.modelName : model, packages: max(packages.count, 1), cores: cores,
      processingUnits: pus, caches: caches, numaNodes: numa,
      totalMemoryBytes: Int(root?.pointee.total_memory ?? 0),
      hwlocVersion:
        "\(String(cString: lrd_hwloc_release())) (API \(api >> 16).\((api >> 8) & 0xff).\(api & 0xff))")
  }

  /// PU OS indices for `threads` threads spread over the machine (hwloc_distrib).
  func scatterProcessingUnits(_ threads: Int) throws(TopologyError) -> [Int] {
    var pus = [Int32](repeating: -1, count: threads)
    try Self.check(lrd_hwloc_scatter_pus(handle, UInt32(threads), &pus), "hwloc_distrib")
    return pus.map(Int.init)
  }
}

/// /proc/cpuinfo facts hwloc may not carry.
package enum CPUInfo {
  /// The "model name" line, or "unknown".
  package static var modelName: String {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    for line in text.split(separator: "\n") where line.hasPrefix("model name") {
      if let colon = line.firstIndex(of: ":") {
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    return "unknown"
  }
}
