import Geometry
import Support

#if canImport(Glibc)
  import Glibc
#endif

/// im2col / col2im for NHWC inputs, the copies that turn a convolution into GEMMs.
///
/// Column layout: `[groups][M][K_g]` row-major with `M = batch·outH·outW` and
/// `K_g = kh·kw·Cin/groups` ordered `(ky, kx, c)`, matching the HWIO weight rows. Padding reads as 0.
/// Complexity O(M·kh·kw·Cin) element copies; without groups the `kw` horizontally adjacent input pixels
/// of one kernel row are contiguous in NHWC (whatever the stride), so they move as one block.
enum Im2col {
  /// Fills `columns` from the NHWC input `x`.
  static func pack(
    _ g: ConvGeometry, x: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>
  ) {
    pack(g, x: x, rows: 0..<g.gemmM, columns: columns, rowStride: g.gemmM)
  }

  /// Extra passes over the columns (`TestKnobs.im2colPasses`, default 0): a deliberately slower im2col, for
  /// checking that the instruction-count gate of A/B runs sees it.
  static let extraPasses = TestKnobs.current.im2colPasses

  /// Fills the column rows `rows` (output pixels in NHWC order) into `columns`, laid out
  /// `[groups][rowStride][K_g]` with the first row of the range at row 0.
  static func pack(
    _ g: ConvGeometry, x: UnsafePointer<Float>, rows: Range<Int>, columns: UnsafeMutablePointer<Float>,
    rowStride: Int
  ) {
    for _ in 0...extraPasses { packOnce(g, x: x, rows: rows, columns: columns, rowStride: rowStride) }
  }

  static func packOnce(
    _ g: ConvGeometry, x: UnsafePointer<Float>, rows: Range<Int>, columns: UnsafeMutablePointer<Float>,
    rowStride: Int
  ) {
    let (kh, kw) = (g.kernel, g.kernelWidth)
    let cin = g.inChannels
    let cg = g.groupInChannels
    let kg = g.gemmK
    let (oh, ow) = (g.outHeight, g.outWidth)
    let contiguousRow = g.groups == 1
    for row in rows {
      let (n, iy0, ix0) = origin(of: row, g, outHeight: oh, outWidth: ow)
      let local = row - rows.lowerBound
      for group in 0..<g.groups {
        let dst = columns + group * rowStride * kg + local * kg
        let channelOffset = group * cg
        for ky in 0..<kh {
          let iy = iy0 + ky
          let rowDst = dst + ky * kw * cg
          if iy < 0 || iy >= g.height {
            rowDst.update(repeating: 0, count: kw * cg)
            continue
          }
          let lineBase = x + ((n * g.height + iy) * g.width) * cin + channelOffset
          if contiguousRow && ix0 >= 0 && ix0 + kw <= g.width {
            copy(rowDst, lineBase + ix0 * cin, kw * cin)
            continue
          }
          for kx in 0..<kw {
            let ix = ix0 + kx
            let d = rowDst + kx * cg
            if ix < 0 || ix >= g.width {
              d.update(repeating: 0, count: cg)
            } else {
              copy(d, lineBase + ix * cin, cg)
            }
          }
        }
      }
    }
  }

  /// The image and the top-left input position (may be in the padding) of output pixel `row`.
  @inline(__always)
  static func origin(of row: Int, _ g: ConvGeometry, outHeight oh: Int, outWidth ow: Int) -> (Int, Int, Int) {
    let xo = row % ow
    let y = (row / ow) % oh
    return (row / (ow * oh), y * g.stride - g.padding, xo * g.stride - g.padding)
  }

  /// Copies `count` floats; short runs (few channels, for example the RGB stem) use an inline loop instead
  /// of a memmove call.
  @inline(__always)
  static func copy(_ destination: UnsafeMutablePointer<Float>, _ source: UnsafePointer<Float>, _ count: Int) {
    if count <= 16 {
      for i in 0..<count { destination[i] = source[i] }
    } else {
      destination.update(from: source, count: count)
    }
  }

  /// Accumulates the column rows `rows` (laid out as `pack` writes them, first row at row 0,
  /// `[groups][rowStride][K_g]`) back into the NHWC gradient `dx`: the adjoint of `pack`.
  ///
  /// `dx` must be zeroed before the first range; padding positions are dropped.
  static func unpackAdding(
    _ g: ConvGeometry, columns: UnsafePointer<Float>, rows: Range<Int>, rowStride: Int,
    dx: UnsafeMutablePointer<Float>
  ) {
    let (kh, kw) = (g.kernel, g.kernelWidth)
    let cin = g.inChannels
    let cg = g.groupInChannels
    let kg = g.gemmK
    let (oh, ow) = (g.outHeight, g.outWidth)
    for row in rows {
      let (n, iy0, ix0) = origin(of: row, g, outHeight: oh, outWidth: ow)
      let local = row - rows.lowerBound
      for group in 0..<g.groups {
        let src = columns + group * rowStride * kg + local * kg
        for ky in 0..<kh {
          let iy = iy0 + ky
          if iy < 0 || iy >= g.height { continue }
          let lineBase = dx + ((n * g.height + iy) * g.width) * cin + group * cg
          for kx in 0..<kw {
            let ix = ix0 + kx
            if ix < 0 || ix >= g.width { continue }
            let d = lineBase + ix * cin
            let s = src + (ky * kw + kx) * cg
            for c in 0..<cg { d[c] += s[c] }
          }
        }
      }
    }
  }
}
