import Machine
import Tensors

/// Where a backend's time can jump as the rank grows: at multiples of its SIMD width in fp32 lanes (`lanes`: 16
/// with AVX-512, 8 with AVX2, 4 below) and of half of it.
///
/// Why those: oneDNN blocks channels by the vector width (its nChw16c / nChw8c layouts), and the GEMM
/// micro-kernels of OpenBLAS and BLIS tile their M and N dimensions in multiples of it (register blocking),
/// so a factor dimension that crosses such a multiple adds a partly filled block; half-width multiples are
/// where masked or half-vector tails start. Measured on an AMD EPYC Zen 4 with oneDNN: t(16k+1)/t(16k) = 1.126,
/// 1.012 at other multiples of 8, 1.001 elsewhere.
package struct CliffGrid: Codable, Sendable, Equatable {
  /// SIMD width in fp32 lanes of the kernels in use.
  package var lanes: Int
  /// Where `lanes` comes from, for example "OpenBLAS core Cooperlake (AVX-512)".
  package var source: String

  package init(lanes: Int, source: String) {
    self.lanes = lanes
    self.source = source
  }

  /// The grid of the process's current kernel library on this CPU.
  package static var current: CliffGrid {
    switch BLAS.backend {
    case .openblas:
      let level = OpenBLASCores.level(of: BLAS.coreName) ?? CPUFeatures.current.level
      return CliffGrid(
        lanes: lanes(level), source: "OpenBLAS core \(BLAS.coreName) (\(level))")
    case .blis:
      let arch = BLISLibrary.shared?.architecture ?? "?"
      let wide = ["skx", "knl", "zen4", "zen5"].contains(arch.lowercased())
      let narrow = ["haswell", "zen", "zen2", "zen3", "sandybridge"].contains(arch.lowercased())
      let level: ISALevel = wide ? .avx512 : narrow ? .avx2 : CPUFeatures.current.level
      return CliffGrid(lanes: lanes(level), source: "BLIS configuration \(arch) (\(level))")
    case .onednn:
      let isa = DNNL.isa
      let level: ISALevel =
        isa.hasPrefix("avx512") ? .avx512 : isa.hasPrefix("avx2") || isa == "avx" ? .avx2 : .sse42
      return CliffGrid(lanes: lanes(level), source: "oneDNN ISA \(isa)")
    }
  }

  /// fp32 lanes of a SIMD level.
  static func lanes(_ level: ISALevel) -> Int {
    level >= .avx512 ? 16 : level >= .avx ? 8 : 4
  }

  /// The boundary spacing, half the vector width: multiples of it (and so of `lanes`) are candidates.
  package var spacing: Int { max(lanes / 2, 1) }

  /// The ranks measured first, largest first.
  ///
  /// They are the window's ends, every rank whose factor dimensions include a
  /// multiple of `spacing` (SVD: r; Tucker-2: r1 or r2), and the rank one step above each such rank (its
  /// successor, where a new partly filled block starts), so the drop across every boundary is measured at full
  /// resolution. Ranks are on the window's grid (from − k·step).
  ///
  /// About 2 ranks in every `spacing` (25% at 16 lanes), before refinement.
  package func initialRanks(window ranks: [Int], step: Int, dimensions: (Int) -> [Int]) -> [Int] {
    guard let top = ranks.first, let bottom = ranks.last else { return [] }
    var chosen: Set<Int> = [top, bottom]
    for r in ranks where dimensions(r).contains(where: { $0 % spacing == 0 }) {
      chosen.insert(r)
      if r + step <= top { chosen.insert(r + step) }
    }
    return chosen.sorted(by: >)
  }

  /// The refinement rule: the ranks to measure next.
  ///
  /// For every rank a policy chose, its window neighbours r ± step; for each of `paper`'s
  /// three largest drops at r (between r + step and r), r − step and r + 2·step, the drops on either side.
  /// Returns those not yet measured (largest first); an empty answer ends the sweep.
  ///
  /// When it is empty no unmeasured rank next to a decision remains, so measuring one could not move `paper` to
  /// a neighbouring drop or give `robust` a larger tied rank without first changing a measured neighbour.
  package static func refinement(
    chosen: [Int], drops: [Int], window: ClosedRange<Int>, step: Int, measured: Set<Int>
  ) -> [Int] {
    var wanted: Set<Int> = []
    for r in chosen { wanted.formUnion([r - step, r + step]) }
    for r in drops { wanted.formUnion([r - step, r + 2 * step]) }
    return
      wanted
      .filter { window.contains($0) && (window.upperBound - $0) % step == 0 && !measured.contains($0) }
      .sorted(by: >)
  }
}
