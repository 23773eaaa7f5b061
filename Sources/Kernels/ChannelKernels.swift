/// The inner loops of batch norm over NHWC rows (`rows` × `c`, row-major), 16 channels at a time with SIMD16
/// (the compiler cannot prove the buffers apart to vectorise the scalar loops), the last c mod 16 channels
/// one by one.
///
/// Per-channel sums accumulate in Float over blocks of `blockRows` rows, then in Double, so precision does
/// not depend on the batch size. Pointers come from the caller's `withUnsafe…` closures; nothing allocates.
enum ChannelKernels {
  typealias Vector = SIMD16<Float>
  static let width = 16
  /// Rows summed in Float before the block's sums are added to the Double totals.
  static let blockRows = 64

  @inline(__always)
  static func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }

  @inline(__always)
  static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }

  /// d = max(s·a + b (+ r), 0 when `relu`) per channel; `s` may equal `d`.
  static func affine(
    _ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, residual r: UnsafePointer<Float>?,
    relu: Bool,
    scale a: UnsafePointer<Float>, shift b: UnsafePointer<Float>, rows: Int, channels c: Int
  ) {
    let vectorEnd = c - c % width
    let zero = Vector(repeating: 0)
    for row in 0..<rows {
      let (src, dst, res) = (s + row * c, d + row * c, r.map { $0 + row * c })
      var ch = 0
      while ch < vectorEnd {
        var v = load(src + ch) * load(a + ch) + load(b + ch)
        if let res { v += load(res + ch) }
        if relu { v = v.replacing(with: zero, where: v .< zero) }
        store(v, dst + ch)
        ch += width
      }
      while ch < c {
        var v = src[ch] * a[ch] + b[ch]
        if let res { v += res[ch] }
        dst[ch] = relu ? max(v, 0) : v
        ch += 1
      }
    }
  }

  /// sum[j] = Σ x[·, j], squares[j] = Σ x[·, j]² (Double).
  static func sums(
    _ x: UnsafePointer<Float>, rows: Int, channels c: Int, blockSum: UnsafeMutablePointer<Float>,
    blockSquares: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Double>,
    squares: UnsafeMutablePointer<Double>
  ) {
    sum.update(repeating: 0, count: c)
    squares.update(repeating: 0, count: c)
    let vectorEnd = c - c % width
    var start = 0
    while start < rows {
      let end = min(start + blockRows, rows)
      blockSum.update(repeating: 0, count: c)
      blockSquares.update(repeating: 0, count: c)
      for row in start..<end {
        let src = x + row * c
        var ch = 0
        while ch < vectorEnd {
          let v = load(src + ch)
          store(load(blockSum + ch) + v, blockSum + ch)
          store(load(blockSquares + ch) + v * v, blockSquares + ch)
          ch += width
        }
        while ch < c {
          blockSum[ch] += src[ch]
          blockSquares[ch] += src[ch] * src[ch]
          ch += 1
        }
      }
      for j in 0..<c {
        sum[j] += Double(blockSum[j])
        squares[j] += Double(blockSquares[j])
      }
      start = end
    }
  }

  /// dGamma[j] = Σ g·(x − μ)·inv, dBeta[j] = Σ g (Double), with g = dy masked by y > 0 when `mask`.
  static func backwardSums(
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
    mean mu: UnsafePointer<Float>, inverseStd inv: UnsafePointer<Float>, rows: Int, channels c: Int,
    blockGamma: UnsafeMutablePointer<Float>, blockBeta: UnsafeMutablePointer<Float>,
    dGamma: UnsafeMutablePointer<Double>, dBeta: UnsafeMutablePointer<Double>
  ) {
    dGamma.update(repeating: 0, count: c)
    dBeta.update(repeating: 0, count: c)
    let vectorEnd = c - c % width
    let zero = Vector(repeating: 0)
    var start = 0
    while start < rows {
      let end = min(start + blockRows, rows)
      blockGamma.update(repeating: 0, count: c)
      blockBeta.update(repeating: 0, count: c)
      for row in start..<end {
        let (xr, gr, mr) = (x + row * c, dy + row * c, mask.map { $0 + row * c })
        var ch = 0
        while ch < vectorEnd {
          var g = load(gr + ch)
          if let mr { g = g.replacing(with: zero, where: load(mr + ch) .<= zero) }
          let normalised = (load(xr + ch) - load(mu + ch)) * load(inv + ch)
          store(load(blockGamma + ch) + g * normalised, blockGamma + ch)
          store(load(blockBeta + ch) + g, blockBeta + ch)
          ch += width
        }
        while ch < c {
          var g = gr[ch]
          if let mr, mr[ch] <= 0 { g = 0 }
          blockGamma[ch] += g * (xr[ch] - mu[ch]) * inv[ch]
          blockBeta[ch] += g
          ch += 1
        }
      }
      for j in 0..<c {
        dGamma[j] += Double(blockGamma[j])
        dBeta[j] += Double(blockBeta[j])
      }
      start = end
    }
  }

  /// out = a·g + b·x + d per channel, g = dy masked by y > 0 when `mask`; `dy` may equal `out`.
  static func backwardApply(
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, mask: UnsafePointer<Float>?,
    a: UnsafePointer<Float>, b: UnsafePointer<Float>, d: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>,
    rows: Int, channels c: Int
  ) {
    let vectorEnd = c - c % width
    let zero = Vector(repeating: 0)
    for row in 0..<rows {
      let (xr, gr, mr, o) = (x + row * c, dy + row * c, mask.map { $0 + row * c }, out + row * c)
      var ch = 0
      while ch < vectorEnd {
        var g = load(gr + ch)
        if let mr { g = g.replacing(with: zero, where: load(mr + ch) .<= zero) }
        store(load(a + ch) * g + load(b + ch) * load(xr + ch) + load(d + ch), o + ch)
        ch += width
      }
      while ch < c {
        var g = gr[ch]
        if let mr, mr[ch] <= 0 { g = 0 }
        o[ch] = a[ch] * g + b[ch] * xr[ch] + d[ch]
        ch += 1
      }
    }
  }

  /// g[i] = 0 where y[i] ≤ 0, in place (ReLU's backward pass).
  static func maskInPlace(_ g: UnsafeMutablePointer<Float>, by y: UnsafePointer<Float>, count: Int) {
    let zero = Vector(repeating: 0)
    var i = 0
    while i + width <= count {
      store(load(g + i).replacing(with: zero, where: load(y + i) .<= zero), g + i)
      i += width
    }
    while i < count {
      if y[i] <= 0 { g[i] = 0 }
      i += 1
    }
  }
}
