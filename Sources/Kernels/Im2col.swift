/// im2col / col2im for NHWC inputs, the copies that turn a convolution into GEMMs.
///
/// Column layout: `[groups][M][K_g]` row-major with `M = batch·outH·outW` and
/// `K_g = k·k·Cin/groups` ordered `(ky, kx, c)`, matching the HWIO weight rows. Padding reads as 0.
/// Complexity O(M·k²·Cin) element copies; with stride 1 the `k` horizontally adjacent input pixels
/// of a row are contiguous, so they move as one block.
enum Im2col {
  /// Fills `columns` from the NHWC input `x`.
  static func pack(
    _ g: ConvGeometry, x: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>
  ) {
    let k = g.kernel
    let cin = g.inChannels
    let cg = g.groupInChannels
    let kg = g.gemmK
    let m = g.gemmM
    let (oh, ow) = (g.outHeight, g.outWidth)
    let contiguousRow = g.groups == 1 && g.stride == 1
    var row = 0
    for n in 0..<g.batch {
      for y in 0..<oh {
        for xo in 0..<ow {
          let iy0 = y * g.stride - g.padding
          let ix0 = xo * g.stride - g.padding
          for group in 0..<g.groups {
            let dst = columns + group * m * kg + row * kg
            let channelOffset = group * cg
            for ky in 0..<k {
              let iy = iy0 + ky
              let rowDst = dst + ky * k * cg
              if iy < 0 || iy >= g.height {
                rowDst.update(repeating: 0, count: k * cg)
                continue
              }
              let lineBase = x + ((n * g.height + iy) * g.width) * cin + channelOffset
              if contiguousRow && ix0 >= 0 && ix0 + k <= g.width {
                rowDst.update(from: lineBase + ix0 * cin, count: k * cin)
                continue
              }
              for kx in 0..<k {
                let ix = ix0 + kx
                let d = rowDst + kx * cg
                if ix < 0 || ix >= g.width {
                  d.update(repeating: 0, count: cg)
                } else {
                  d.update(from: lineBase + ix * cin, count: cg)
                }
              }
            }
          }
          row += 1
        }
      }
    }
  }

  /// Accumulates `columns` back into the NHWC gradient `dx` (which must be zeroed first):
  /// the adjoint of `pack`. Padding positions are dropped.
  static func unpackAdding(
    _ g: ConvGeometry, columns: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    let k = g.kernel
    let cin = g.inChannels
    let cg = g.groupInChannels
    let kg = g.gemmK
    let m = g.gemmM
    let (oh, ow) = (g.outHeight, g.outWidth)
    var row = 0
    for n in 0..<g.batch {
      for y in 0..<oh {
        for xo in 0..<ow {
          let iy0 = y * g.stride - g.padding
          let ix0 = xo * g.stride - g.padding
          for group in 0..<g.groups {
            let src = columns + group * m * kg + row * kg
            for ky in 0..<k {
              let iy = iy0 + ky
              if iy < 0 || iy >= g.height { continue }
              let lineBase = dx + ((n * g.height + iy) * g.width) * cin + group * cg
              for kx in 0..<k {
                let ix = ix0 + kx
                if ix < 0 || ix >= g.width { continue }
                let d = lineBase + ix * cin
                let s = src + (ky * k + kx) * cg
                for c in 0..<cg { d[c] += s[c] }
              }
            }
          }
          row += 1
        }
      }
    }
  }
}
