import Decomposition
import Machine
import Networks
import Tensors

/// Which ranks of its window a sweep measures (docs/methods.md "Cliff-aware sweeps").
package enum SweepStrategy: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Every rank of the window.
  case full
  /// First the ranks where the kernels' blocking can change the time (see `CliffGrid`), then, at full
  /// resolution, the neighbours of every rank a policy chooses until no unmeasured neighbour is left
  /// (`CliffGrid.refinement`).
  case cliffs

  package var description: String { rawValue }
}

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

extension SweepPlan {
  /// The ranks a sweep measures before any refinement: every rank (`full`) or the cliff grid's (`cliffs`).
  package func initialRanks(for layer: LayerSpec, grid: CliffGrid) -> [Int] {
    switch strategy {
    case .full: return ranks
    case .cliffs:
      return grid.initialRanks(window: ranks, step: step) { r in
        switch factorization(for: layer, rank: r) {
        case .svd(let rank): return [rank]
        case .tucker2(let r1, let r2), .branched(let r1, let r2, _): return [r1, r2]
        case .original: return []
        }
      }
    }
  }
}

extension SweepPlan {
  /// The next round of a `cliffs` sweep from what is measured so far.
  ///
  /// The plan's policies decide on `timings`,
  /// and `CliffGrid.refinement` names the unmeasured neighbours of their choices and of `paper`'s three largest
  /// drops (drops only when the plan has a paper policy). Empty when the sweep is done.
  package func refinement(timings: [RankTiming], anchor: RankTiming?, measured: Set<Int>) -> [Int] {
    let chosen = policies.compactMap {
      $0.decide(timings, anchor: anchor, tolerance: tieTolerance, step: step).rank
    }
    let paper = policies.contains(.paper) || policies.contains(.paperAnchor)
    let drops =
      paper
      ? RankPolicy.drops(timings.sorted { $0.rank > $1.rank }, anchor: anchor, step: step)
        .sorted { $0.delta > $1.delta }.prefix(3).map(\.timing.rank) : []
    return CliffGrid.refinement(
      chosen: chosen, drops: drops, window: to...from, step: step, measured: measured)
  }
}
