import Machine
import Tensors
import Testing

@testable import Machine

/// Recorded /proc/cpuinfo heads (flags trimmed to what matters, real vendor/family/model).
enum CPUInfoSamples {
  static func sample(vendor: String, family: Int, model: Int, name: String, flags: String) -> String {
    """
    processor\t: 0
    vendor_id\t: \(vendor)
    cpu family\t: \(family)
    model\t\t: \(model)
    model name\t: \(name)
    flags\t\t: \(flags)

    processor\t: 1
    flags\t\t: fpu
    """
  }

  static let base =
    "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat sse sse2 pni ssse3 cx16"
  /// Intel Xeon (Emerald Rapids, family 6 model 207): AVX-512 with BF16 and AMX, unknown to OpenBLAS 0.3.21.
  static let xeonAMX = sample(
    vendor: "GenuineIntel", family: 6, model: 207, name: "Intel(R) Xeon(R) Platinum 8581C CPU @ 2.10GHz",
    flags: base
      + " sse4_1 sse4_2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni avx512_bf16"
      + " amx_bf16 amx_tile amx_int8")
  /// AMD EPYC (Zen 4, family 25): AVX-512 with BF16, no AMX.
  static let zen4 = sample(
    vendor: "AuthenticAMD", family: 25, model: 17, name: "AMD EPYC",
    flags: base
      + " sse4_1 sse4_2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 avx512_vnni")
  /// Intel Xeon E5 v3 (Haswell): AVX2 and FMA only.
  static let haswell = sample(
    vendor: "GenuineIntel", family: 6, model: 63, name: "Intel(R) Xeon(R) CPU E5-2680 v3",
    flags: base + " sse4_1 sse4_2 avx fma avx2")
  /// AMD EPYC (Zen 2): AVX2.
  static let zen2 = sample(
    vendor: "AuthenticAMD", family: 23, model: 49, name: "AMD EPYC 7742 64-Core Processor",
    flags: base + " sse4_1 sse4_2 avx fma avx2")
  /// A generic QEMU CPU model: SSSE3, nothing newer.
  static let generic = sample(
    vendor: "GenuineIntel", family: 6, model: 6, name: "QEMU Virtual CPU version 2.5+", flags: base)
  /// AVX-512 foundation only (no BW/VL): OpenBLAS's SkylakeX kernels need more, so AVX2.
  static let partialAVX512 = sample(
    vendor: "GenuineIntel", family: 6, model: 87, name: "Intel(R) Xeon Phi(TM) CPU 7210",
    flags: base + " sse4_1 sse4_2 avx fma avx2 avx512f avx512cd")
}

@Suite("CPU features and OpenBLAS cores")
struct CPUFeatureTests {
  @Test(
    "detection on recorded /proc/cpuinfo samples",
    arguments: [
      (
        CPUInfoSamples.xeonAMX, ISALevel.avx512,
        ["SapphireRapids", "Cooperlake", "SkylakeX", "Haswell", "Zen"]
      ),
      (CPUInfoSamples.zen4, .avx512, ["Cooperlake", "SkylakeX", "Zen", "Haswell"]),
      (CPUInfoSamples.haswell, .avx2, ["Haswell", "Zen"]),
      (CPUInfoSamples.zen2, .avx2, ["Zen", "Haswell"]),
      (CPUInfoSamples.generic, .ssse3, ["Core2"]),
      (CPUInfoSamples.partialAVX512, .avx2, ["Haswell", "Zen"]),
    ])
  func detection(sample: String, level: ISALevel, candidates: [String]) {
    let cpu = CPUFeatures(cpuinfo: sample)
    #expect(cpu.level == level)
    #expect(OpenBLASCores.candidates(for: cpu) == candidates)
  }

  @Test func fieldsAndExtensions() {
    let cpu = CPUFeatures(cpuinfo: CPUInfoSamples.xeonAMX)
    #expect(cpu.vendor == "GenuineIntel" && cpu.family == 6 && cpu.model == 207)
    #expect(cpu.extensions == ["AVX512_BF16", "AVX512_VNNI", "AMX"])
    #expect(cpu.summary == "AVX-512 + AVX512_BF16, AVX512_VNNI, AMX")
    #expect(CPUFeatures(cpuinfo: CPUInfoSamples.haswell).extensions.isEmpty)
  }

  @Test func genericCoreCondition() {
    let xeon = CPUFeatures(cpuinfo: CPUInfoSamples.xeonAMX)
    let haswellCPU = CPUFeatures(cpuinfo: CPUInfoSamples.haswell)
    for weak in ["Prescott", "Nehalem", "Sandybridge", "Haswell"] {
      #expect(OpenBLASCores.isWeaker(weak, than: xeon), "\(weak)")
    }
    #expect(!OpenBLASCores.isWeaker("SkylakeX", than: xeon))
    #expect(!OpenBLASCores.isWeaker("Haswell", than: haswellCPU))
    #expect(OpenBLASCores.isWeaker("Sandybridge", than: haswellCPU))
    #expect(!OpenBLASCores.isWeaker("NoSuchCore", than: xeon))
    #expect(
      OpenBLASCores.canonical("skylakex") == "SkylakeX" && OpenBLASCores.canonical("HASWELL") == "Haswell")
  }

  @Test func requestsParse() throws {
    #expect(try BLASCoreRequest(parsing: "AUTO") == .auto)
    #expect(try BLASCoreRequest(parsing: "keep") == .keep)
    #expect(try BLASCoreRequest(parsing: "skylakex") == .named("SkylakeX"))
    #expect(throws: BLASCoreError.self) { try BLASCoreRequest(parsing: "Pentium4000") }
  }
}

@Suite("BLAS core decision")
struct BLASCoreDecisionTests {
  /// A fake child: `offered` cores run as asked and pass unless listed in `failing`.
  final class Children {
    static let passed = BLASSelfCheck(
      passed: true, gemmCases: 1, worstGEMMError: 0, worstGEMMCase: "", svdSingularValueError: 0,
      svdReconstructionError: 0, failures: [], seconds: 0,
      allocations: GEMMAllocationProfile(
        measured: false, allocatingResidues: [], minimumK: 0, smallLimit: 0, transposedFormsAllocate: false,
        shapesChecked: 0, mismatches: []))

    var offered: Set<String>
    var failing: [String: String]
    var verified: [String] = []
    var probes = 0
    let own: String

    init(offered: Set<String>, failing: [String: String] = [:], own: String) {
      self.offered = offered
      self.failing = failing
      self.own = own
    }

    func verify(_ core: String) -> CandidateCheck {
      verified.append(core)
      if let failure = failing[core] {
        return CandidateCheck(requested: core, reported: nil, selfCheck: nil, failure: failure)
      }
      let runs = offered.contains(core) ? core : own
      return CandidateCheck(requested: core, reported: runs, selfCheck: Self.passed, failure: nil)
    }
  }

  func decide(
    _ request: BLASCoreRequest, cpu: String = CPUInfoSamples.xeonAMX, current: String,
    variable: String? = nil, children: Children
  ) -> BLASCoreDecision {
    BLASCoreDecision.decide(
      .init(
        request: request, cpu: CPUFeatures(cpuinfo: cpu), current: current, coretypeVariable: variable,
        probeOpenBLASChoice: {
          children.probes += 1
          return children.own
        },
        verify: children.verify))
  }

  @Test func keepsOpenBLASsChoiceWhenItSuitsTheCPU() {
    let children = Children(offered: ["SkylakeX"], own: "SkylakeX")
    guard case .run(let report) = decide(.auto, current: "SkylakeX", children: children) else {
      Issue.record("expected to run")
      return
    }
    #expect(report.selection == .openblas && report.coreUsed == "SkylakeX" && report.warnings.isEmpty)
    #expect(children.verified.isEmpty && children.probes == 0)
  }

  @Test func replacesAGenericCoreWithTheFirstVerifiedCandidate() {
    // The build offers no SapphireRapids: the child runs Prescott instead, so Cooperlake is next.
    let children = Children(offered: ["Cooperlake", "SkylakeX", "Haswell"], own: "Prescott")
    guard case .restart(let coretype, let state) = decide(.auto, current: "Prescott", children: children)
    else {
      Issue.record("expected a restart")
      return
    }
    #expect(coretype == "Cooperlake")
    #expect(state.selection == .auto && state.openBLASChoice == "Prescott" && state.coreUsed == "Cooperlake")
    #expect(children.verified == ["SapphireRapids", "Cooperlake"])
  }

  @Test func failingCandidatesAreSkippedAndAllFailingFallsBackLoudly() {
    let children = Children(
      offered: ["Cooperlake", "SkylakeX", "Haswell", "Zen"],
      failing: ["Cooperlake": "the check crashed (signal 11)", "SkylakeX": "the check crashed (signal 11)"],
      own: "Prescott")
    guard case .restart(let coretype, _) = decide(.auto, current: "Prescott", children: children) else {
      Issue.record("expected a restart")
      return
    }
    #expect(coretype == "Haswell")
    let none = Children(
      offered: [], failing: ["Haswell": "hung", "Zen": "hung"], own: "Sandybridge")
    guard
      case .run(let report) = decide(
        .auto, cpu: CPUInfoSamples.haswell, current: "Sandybridge", children: none)
    else {
      Issue.record("expected to run on the generic core")
      return
    }
    #expect(report.selection == .fallback && report.coreUsed == "Sandybridge")
    #expect(report.warnings.count == 1 && report.warnings[0].contains("no better core passed"))
  }

  @Test func respectsTheEnvironmentButWarnsWhenItIsWeaker() {
    let children = Children(offered: [], own: "Cooperlake")
    guard case .run(let report) = decide(.auto, current: "Haswell", variable: "Haswell", children: children)
    else {
      Issue.record("expected to run")
      return
    }
    #expect(report.selection == .user && report.openBLASChoice == "Cooperlake" && children.probes == 1)
    #expect(report.warnings.contains { $0.contains("weaker than this CPU") })
    #expect(children.verified.isEmpty)
    guard
      case .run(let ignored) = decide(.auto, current: "Cooperlake", variable: "Pentium", children: children)
    else {
      Issue.record("expected to run")
      return
    }
    #expect(ignored.warnings.contains { $0.contains("names no core this OpenBLAS offers") })
  }

  @Test func keepMeasuresTheGenericCoreWithAWarning() {
    let children = Children(offered: ["SkylakeX"], own: "Prescott")
    guard case .run(let report) = decide(.keep, current: "Prescott", children: children) else {
      Issue.record("expected to run")
      return
    }
    #expect(report.selection == .keep && report.coreUsed == "Prescott" && children.verified.isEmpty)
    #expect(report.warnings.count == 1)
  }

  @Test func namedCoresAreVerifiedAndFallBackWhenTheyFail() {
    let children = Children(offered: ["Haswell"], own: "Cooperlake")
    guard
      case .restart(let coretype, let state) = decide(
        .named("Haswell"), current: "Cooperlake", children: children)
    else {
      Issue.record("expected a restart")
      return
    }
    #expect(coretype == "Haswell" && state.selection == .named)
    let crashing = Children(
      offered: ["Haswell"], failing: ["Haswell": "the check crashed (signal 6)"], own: "Cooperlake")
    guard case .run(let fallback) = decide(.named("Haswell"), current: "Cooperlake", children: crashing)
    else {
      Issue.record("expected to stay on OpenBLAS's choice")
      return
    }
    #expect(fallback.selection == .fallback && fallback.coreUsed == "Cooperlake")
    // With OPENBLAS_CORETYPE set, falling back means restarting without it.
    guard
      case .restart(let unset, let state2) = decide(
        .named("Haswell"), current: "Prescott", variable: "Prescott", children: crashing)
    else {
      Issue.record("expected a restart without OPENBLAS_CORETYPE")
      return
    }
    #expect(unset == nil && state2.selection == .fallback)
  }
}

@Suite("BLAS self-check")
struct BLASSelfCheckTests {
  @Test func passesWithThisProcesssOpenBLAS() {
    let check = BLAS.selfCheck()
    #expect(check.passed, "\(check.failures)")
    #expect(check.gemmCases >= 90 && check.worstGEMMError < 4)
    #expect(check.svdSingularValueError < 1e-4 && check.svdReconstructionError < 1e-4)
  }

  @Test(
    "fails on a deliberately wrong GEMM",
    arguments: ["tail", "tt-path", "beta", "nan"])
  func failsOnAWrongGEMM(fault: String) {
    let check = BLAS.selfCheck(sgemm: { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
      switch fault {
      case "beta":  // treats β as 0
        BLAS.systemSGEMM(ta, tb, m, n, k, alpha, a, lda, b, ldb, 0, c, ldc)
      default:
        BLAS.systemSGEMM(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        switch fault {
        case "tt-path" where ta && tb: c[0] *= 1.01  // only the both-transposed kernel is wrong
        case "tail" where m > 16 && n > 8: c[(m - 1) * ldc + n - 1] *= 1.001  // a ragged-tail element
        case "nan" where m > 16 && n > 8: c[(m - 1) * ldc + n - 1] = .nan
        default: break
        }
      }
    })
    #expect(!check.passed, "a \(fault) fault was not caught")
    #expect(check.summary.hasPrefix("FAILED"))
  }

  @Test func allocationRuleIsMeasuredAndConfirmed() {
    let profile = BLAS.allocationProfile
    #expect(profile.measured, "the allocation counter is linked into the tests")
    #expect(profile.shapesChecked > 0 && profile.mismatches.isEmpty, "\(profile.mismatches)")
    #expect(!profile.transposedFormsAllocate)
  }
}
