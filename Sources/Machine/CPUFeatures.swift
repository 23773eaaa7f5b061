import Foundation

/// SIMD instruction-set levels, ordered: a kernel written for a level runs on every CPU at or above it.
package enum ISALevel: Int, Codable, Sendable, Comparable, CaseIterable, CustomStringConvertible {
  case sse2, sse3, ssse3, sse41, sse42, avx, avx2, avx512

  /// Orders levels from the weakest (generic) to the strongest (AVX-512).
  package static func < (a: ISALevel, b: ISALevel) -> Bool { a.rawValue < b.rawValue }

  /// The level's display name (for example "AVX2").
  package var description: String {
    switch self {
    case .sse2: return "SSE2"
    case .sse3: return "SSE3"
    case .ssse3: return "SSSE3"
    case .sse41: return "SSE4.1"
    case .sse42: return "SSE4.2"
    case .avx: return "AVX"
    case .avx2: return "AVX2/FMA"
    case .avx512: return "AVX-512"
    }
  }
}

/// What this CPU can execute, read from `/proc/cpuinfo` (the kernel lists only the features it has
/// enabled, so the flags already account for XSAVE/OS support).
///
/// AVX-512 means the F, BW, VL, DQ and CD subsets together (what OpenBLAS's SkylakeX kernels need);
/// AVX2 means AVX2 and FMA.
package struct CPUFeatures: Codable, Sendable, Equatable {
  /// The CPU vendor from /proc/cpuinfo (for example "AuthenticAMD").
  package var vendor: String
  /// The CPU family from /proc/cpuinfo ("cpu family"), nil when unreadable.
  package var family: Int?
  /// The CPU model number from /proc/cpuinfo ("model"), nil when unreadable.
  package var model: Int?
  /// The marketing name from /proc/cpuinfo (for example "AMD EPYC").
  package var modelName: String
  /// The best SIMD level every subset of which is present.
  package var level: ISALevel
  /// Extensions beyond `level` that change kernel choice: "AVX512_BF16", "AVX512_VNNI", "AMX".
  package var extensions: [String]

  /// Parses the first processor block of a `/proc/cpuinfo` text.
  package init(cpuinfo text: String) {
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.trimmingCharacters(in: .whitespaces).isEmpty && !fields.isEmpty { break }
      guard let colon = line.firstIndex(of: ":") else { continue }
      let key = line[..<colon].trimmingCharacters(in: .whitespaces)
      if fields[key] == nil {
        fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      }
    }
    let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
    vendor = fields["vendor_id"] ?? "unknown"
    family = fields["cpu family"].flatMap { Int($0) }
    model = fields["model"].flatMap { Int($0) }
    modelName = fields["model name"] ?? "unknown"
    level = Self.level(flags)
    var extras: [String] = []
    if flags.contains("avx512_bf16") { extras.append("AVX512_BF16") }
    if flags.contains("avx512_vnni") { extras.append("AVX512_VNNI") }
    if flags.contains("amx_tile") && flags.contains("amx_bf16") { extras.append("AMX") }
    extensions = level == .avx512 ? extras : []
  }

  static func level(_ flags: Set<String>) -> ISALevel {
    let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
    if avx512.allSatisfy(flags.contains) && flags.contains("avx2") && flags.contains("fma") { return .avx512 }
    if flags.contains("avx2") && flags.contains("fma") && flags.contains("avx") { return .avx2 }
    if flags.contains("avx") { return .avx }
    if flags.contains("sse4_2") { return .sse42 }
    if flags.contains("sse4_1") { return .sse41 }
    if flags.contains("ssse3") { return .ssse3 }
    if flags.contains("pni") { return .sse3 }
    return .sse2
  }

  package static let current: CPUFeatures = CPUFeatures(
    cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

  /// "AVX-512 + AVX512_BF16, AVX512_VNNI".
  package var summary: String {
    extensions.isEmpty ? level.description : "\(level) + " + extensions.joined(separator: ", ")
  }
}

/// OpenBLAS's x86-64 core names (what `OPENBLAS_CORETYPE` takes and `openblas_get_corename`
/// reports) and the SIMD level each one's kernels use.
package enum OpenBLASCores {
  static let levels: [String: ISALevel] = [
    "katmai": .sse2, "coppermine": .sse2, "northwood": .sse2, "banias": .sse2, "athlon": .sse2,
    "opteron": .sse2, "prescott": .sse3, "opteron_sse3": .sse3, "barcelona": .sse3, "nano": .sse3,
    "core2": .ssse3, "atom": .ssse3, "bobcat": .ssse3, "penryn": .sse41, "dunnington": .sse41,
    "nehalem": .sse42, "sandybridge": .avx, "bulldozer": .avx, "piledriver": .avx, "steamroller": .avx,
    "excavator": .avx, "haswell": .avx2, "zen": .avx2, "skylakex": .avx512, "cooperlake": .avx512,
    "sapphirerapids": .avx512,
  ]

  /// The canonical spelling OpenBLAS prints for each core.
  static let spelling: [String: String] = [
    "skylakex": "SkylakeX", "cooperlake": "Cooperlake", "sapphirerapids": "SapphireRapids",
    "opteron_sse3": "Opteron_SSE3",
  ]

  /// Every core name lrd-bench knows, canonical spelling, in SIMD order.
  package static var known: [String] {
    levels.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }.map { canonical($0.key) }
  }

  /// "skylakex" → "SkylakeX"; unknown names are returned as given.
  package static func canonical(_ name: String) -> String {
    let key = name.lowercased()
    if let spelled = spelling[key] { return spelled }
    guard levels[key] != nil else { return name }
    return key.prefix(1).uppercased() + key.dropFirst()
  }

  /// The SIMD level of a core's kernels, or nil for a name lrd-bench does not know.
  package static func level(of core: String) -> ISALevel? { levels[core.lowercased()] }

  /// True when `core` uses a weaker SIMD level than `cpu` supports: OpenBLAS fell back to generic
  /// kernels (for example Prescott on an AVX-512 Xeon it does not know), or a user forced an older core.
  package static func isWeaker(_ core: String, than cpu: CPUFeatures) -> Bool {
    guard let level = level(of: core) else { return false }
    return level < cpu.level
  }

  /// The cores worth running on `cpu`, best first: what `auto` tries in order and what `topology` benchmarks.
  ///
  /// AVX-512: SapphireRapids (with AMX), Cooperlake (with BF16), SkylakeX, then the AVX2 cores; AVX2: Haswell
  /// and Zen (Zen first on AMD); AVX: Sandybridge; older: Nehalem, Core2, Prescott.
  package static func candidates(for cpu: CPUFeatures) -> [String] {
    let amd = cpu.vendor == "AuthenticAMD"
    let avx2 = amd ? ["Zen", "Haswell"] : ["Haswell", "Zen"]
    switch cpu.level {
    case .avx512:
      var list: [String] = []
      if cpu.extensions.contains("AMX") { list.append("SapphireRapids") }
      if cpu.extensions.contains("AVX512_BF16") { list.append("Cooperlake") }
      return list + ["SkylakeX"] + avx2
    case .avx2: return avx2
    case .avx: return ["Sandybridge"]
    case .sse42: return ["Nehalem"]
    case .sse41: return ["Penryn"]
    case .ssse3: return ["Core2"]
    case .sse3, .sse2: return ["Prescott"]
    }
  }
}
