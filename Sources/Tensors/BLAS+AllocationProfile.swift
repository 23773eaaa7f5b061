import CAllocationCounter
import Support

/// Which plain row-major `cblas_sgemm` calls allocate on the heap with the OpenBLAS core in use,
/// measured once per process by calling them with the allocation counter on.
///
/// Found on OpenBLAS 0.3.21 with its AVX-512 cores (SkylakeX, Cooperlake): the small-matrix NN
/// kernel mallocs K·N floats per call when N mod 16 is 1…8, K ≥ 32 and M·N·K ≤ 10⁶; the transposed
/// forms and the Haswell, Zen and SSE cores never do. The probe finds those bounds on whatever core
/// runs (residues, smallest K, largest M·N·K) and then checks the resulting rule on random shapes.
/// Kernels route the calls the rule names through `PaddedGEMM`, so the timed region stays
/// allocation-free whichever core runs.
package struct GEMMAllocationProfile: Codable, Sendable, Equatable {
  /// Whether the allocation counter is linked into this process; when false nothing was measured
  /// and no call is routed.
  package var measured: Bool
  /// N mod 16 residues (0…15) for which a small NN sgemm allocates.
  package var allocatingResidues: [Int]
  /// The smallest K at which such calls allocate.
  package var minimumK: Int
  /// The largest M·N·K at which such calls still allocate (OpenBLAS's small-matrix bound); 0 when
  /// none allocates.
  package var smallLimit: Int
  /// Whether small NT, TN or TT calls allocate (the kernels use NT and TN in backward passes).
  package var transposedFormsAllocate: Bool
  /// Random shapes on which the rule (`nnAllocates`) was compared with what really allocates.
  package var shapesChecked: Int
  /// Shapes where the rule was wrong (`M×N×K: allocates` / `does not allocate`).
  package var mismatches: [String]

  /// No allocating forms known (BLIS, oneDNN): kernels take no detour.
  package static let none = GEMMAllocationProfile(
    measured: false, allocatingResidues: [], minimumK: 0, smallLimit: 0, transposedFormsAllocate: false,
    shapesChecked: 0, mismatches: [])

  /// A profile from its measured or derived fields.
  package init(
    measured: Bool, allocatingResidues: [Int], minimumK: Int, smallLimit: Int, transposedFormsAllocate: Bool,
    shapesChecked: Int, mismatches: [String]
  ) {
    self.measured = measured
    self.allocatingResidues = allocatingResidues
    self.minimumK = minimumK
    self.smallLimit = smallLimit
    self.transposedFormsAllocate = transposedFormsAllocate
    self.shapesChecked = shapesChecked
    self.mismatches = mismatches
  }

  /// `allocatingResidues` as bits (bit r set: residue r allocates), so the check in kernels' calls
  /// does no generic collection work (which allocates in unoptimised builds).
  package var residueMask: UInt16 { allocatingResidues.reduce(0) { $0 | 1 << UInt16($1) } }

  /// True when `C(m×n) = A(m×k)·B(k×n)` (no transposes) would allocate inside OpenBLAS.
  package func nnAllocates(m: Int, n: Int, k: Int) -> Bool {
    nnAllocates(m: m, n: n, k: k, mask: residueMask)
  }

  /// `nnAllocates` with a precomputed `residueMask`; allocation-free.
  @inline(__always)
  package func nnAllocates(m: Int, n: Int, k: Int, mask: UInt16) -> Bool {
    guard measured, m > 0, n > 0, k >= minimumK, mask & (1 << UInt16(n % 16)) != 0 else { return false }
    let (mn, overflow) = m.multipliedReportingOverflow(by: n)
    let (mnk, overflow2) = mn.multipliedReportingOverflow(by: k)
    return !overflow && !overflow2 && mnk <= smallLimit
  }

  /// One line for reports.
  package var summary: String {
    guard measured else { return "not measured (allocation counter not linked)" }
    var parts: [String] = []
    if allocatingResidues.isEmpty {
      parts.append("no sgemm form allocates")
    } else {
      parts.append(
        "small NN sgemm allocates for N mod 16 ∈ {\(allocatingResidues.map(String.init).joined(separator: ","))}, "
          + "K ≥ \(minimumK), M·N·K ≤ \(smallLimit == Int.max ? "any" : String(smallLimit)) "
          + "(routed through a padded GEMM)")
    }
    if transposedFormsAllocate { parts.append("transposed forms allocate too") }
    parts.append(
      mismatches.isEmpty
        ? "rule confirmed on \(shapesChecked) random shapes"
        : "rule WRONG on \(mismatches.count) of \(shapesChecked) shapes: \(mismatches.prefix(3).joined(separator: ", "))"
    )
    return parts.joined(separator: "; ")
  }
}

extension BLAS {
  /// The allocation profile of this process's OpenBLAS core (measured on first use, ~1 ms).
  package static let allocationProfile: GEMMAllocationProfile = measureAllocationProfile()

  /// Whether one sgemm call of this shape allocates (after a first, uncounted call).
  ///
  /// Only the `cblas_sgemm` call is counted (unoptimised Swift around it may allocate).
  static func callAllocates(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false)
    -> Bool
  {
    let a = [Float](repeating: 0.5, count: m * k)
    let b = [Float](repeating: 0.25, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    var allocations: UInt64 = 0
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          let (lda, ldb) = (transposeA ? m : k, transposeB ? k : n)
          for counted in [false, true] {  // first calls may allocate lazily (buffers, thread pools)
            if counted { lrd_alloc_thread_start() }
            gemm(
              transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda,
              b: bp.baseAddress!, ldb: ldb, c: cp.baseAddress!, ldc: n)
            if counted { allocations = lrd_alloc_thread_stop() }
          }
        }
      }
    }
    return allocations > 0
  }

  /// Smallest x in low...high with `predicate(x)` true, given it is false below and true above.
  static func firstTrue(_ low: Int, _ high: Int, _ predicate: (Int) -> Bool) -> Int {
    var (lo, hi) = (low, high)
    while lo < hi {
      let middle = (lo + hi) / 2
      if predicate(middle) { hi = middle } else { lo = middle + 1 }
    }
    return lo
  }

  static func measureAllocationProfile() -> GEMMAllocationProfile {
    var profile = GEMMAllocationProfile(
      measured: false, allocatingResidues: [], minimumK: 0, smallLimit: 0, transposedFormsAllocate: false,
      shapesChecked: 0, mismatches: [])
    guard lrd_alloc_interposed() == 1 else { return profile }
    profile.measured = true
    // One thread: OpenBLAS's threaded driver allocates a job table per call, which is not what is
    // probed here (and a small call never takes that path).
    let threads = BLAS.threads
    setThreads(1)
    defer { setThreads(threads) }
    profile.allocatingResidues = (0..<16).filter { callAllocates(m: 8, n: 16 + $0, k: 64) }
    if let residue = profile.allocatingResidues.first {
      let n = 16 + residue
      profile.minimumK = firstTrue(1, 64) { callAllocates(m: 8, n: n, k: $0) }
      let cap = 1 << 13
      if callAllocates(m: cap, n: n, k: 64) {
        profile.smallLimit = Int.max
      } else {
        let firstFree = firstTrue(8, cap) { !callAllocates(m: $0, n: n, k: 64) }
        profile.smallLimit = (firstFree - 1) * n * 64
      }
    }
    profile.transposedFormsAllocate = [(true, false), (false, true), (true, true)].contains { forms in
      callAllocates(m: 8, n: 17, k: 64, transposeA: forms.0, transposeB: forms.1)
    }
    var rng = SplitMix64(seed: 0xA110C)
    for _ in 0..<24 {
      let m = Int(rng.next() % 700) + 1
      let n = Int(rng.next() % 48) + 1
      let k = Int(rng.next() % 96) + 1
      let actual = callAllocates(m: m, n: n, k: k)
      if actual != profile.nnAllocates(m: m, n: n, k: k) {
        profile.mismatches.append("\(m)×\(n)×\(k): \(actual ? "allocates" : "does not allocate")")
      }
      profile.shapesChecked += 1
    }
    return profile
  }
}
