import Tensors

/// The `pool` strategy: each pass is one parallel region of `Threading.pool` (backward-data two, plus one to
/// zero `dx`), with the library single-threaded inside it.
///
/// * Forward: worker w takes the w-th contiguous share of the M output pixels; it packs its rows' im2col
///   columns block by block into its own block (or straight into the retained matrix) and runs the GEMMs on
///   them. Pointwise convolutions split the rows of the input directly; with fewer than
///   `minimumRowsPerWorker` rows per worker (a linear layer at a small batch) the output channels are split
///   instead, in multiples of 16, unless a part would take OpenBLAS's allocating small-matrix path.
/// * Backward-data: the output rows (image rows of every image, in order) are cut into 2·workers chunks;
///   worker w does chunk 2w in the first region and 2w + 1 in the second, so the input rows that two workers'
///   col2im write at the same time are always at least one chunk apart and never overlap (chunks are at
///   least ⌈(k − s)/s⌉ output rows; fewer workers are used when the batch is too small for that).
///   Pointwise: rows of dx, or its channels when rows are few.
/// * Backward-weights: worker w computes rows K_w of dW = columnsᵀ·dy (or its columns when N > K) over all M
///   pixels, from the retained columns or the input itself (pointwise): no reduction. A kernel that does not
///   retain its columns gives each worker a share of the pixels and its own partial dW, summed afterwards in
///   worker order by a second region split over the weights.
///
/// Workers touch no `Tensor` (its storage is exclusively accessed by the caller's `withUnsafe…` closures for
/// the whole region): only the pointers handed to them and the kernel's constants.
///
/// Every partition depends only on the shape and the worker count, and each worker's arithmetic is fixed by
/// its partition, so two runs with the same worker count give bitwise-identical results.
extension Conv2D {
  /// Pointwise layers split output channels rather than rows below this many rows per worker.
  static let minimumRowsPerWorker = 64

  /// Workers a call uses: the pool's size (at most `workerCapacity`) on the pool strategy, else 1.
  var poolWorkers: Int { threading == .pool ? min(Threading.workers, workerCapacity) : 1 }

  /// The part of `count` channels worker `worker` of `workers` takes: cut at multiples of 16 (the kernels'
  /// vector width), the last part taking the remainder.
  @inline(__always)
  static func channelShare(_ worker: Int, of workers: Int, count: Int) -> Range<Int> {
    let vectors = (count + 15) / 16
    let part = Threading.share(worker, of: workers, count: vectors)
    return min(count, part.lowerBound * 16)..<min(count, part.upperBound * 16)
  }

  /// Whether a pointwise forward pass splits output channels: when rows are few and no worker's part would
  /// take OpenBLAS's allocating small-matrix path (the row split routes those calls through the detours).
  func splitsForwardChannels(workers: Int) -> Bool {
    let g = geometry
    guard g.gemmM < Self.minimumRowsPerWorker * workers else { return false }
    for worker in 0..<workers {
      let cols = Self.channelShare(worker, of: workers, count: g.gemmN)
      if allocationProfile.nnAllocates(m: g.gemmM, n: cols.count, k: g.gemmK, mask: residueMask) {
        return false
      }
    }
    return true
  }

  /// Runs one region of `pass` on this kernel's workers.
  func region(
    _ pass: ConvRegion.Pass, workers: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
    _ c: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    Threading.parallel(
      workers: workers, backend: backend,
      ConvRegion(
        conv: self, pass: pass, workers: workers, a: a, b: b, c: c, scratch: scratch, accumulate: accumulate))
  }

  /// Forward on the pool (see the type's notes).
  func poolForward(_ x: Tensor, into y: Tensor) {
    let g = geometry
    let workers = poolWorkers
    let pass: ConvRegion.Pass
    if g.readsInputAsGEMMOperand {
      pass = splitsForwardChannels(workers: workers) ? .forwardChannels : .forwardRows
    } else {
      pass = .forwardColumns
    }
    x.withUnsafeBufferPointer { xp in
      weight.withUnsafeBufferPointer { wp in
        y.withUnsafeMutableBufferPointer { yp in
          columns.withUnsafeMutableBufferPointer { cp in
            region(
              pass, workers: workers, xp.baseAddress!, wp.baseAddress!, yp.baseAddress!,
              scratch: cp.baseAddress ?? yp.baseAddress!)
          }
          if let bias {
            bias.withUnsafeBufferPointer { bp in
              Elementwise.addRowVector(
                bp.baseAddress!, to: yp.baseAddress!, rows: g.gemmM, columns: g.outChannels)
            }
          }
        }
      }
    }
    packedInput = retainsColumns && !g.readsInputAsGEMMOperand ? ObjectIdentifier(x) : nil
  }

  /// Backward-data on the pool (see the type's notes).
  func poolBackwardData(_ dy: Tensor, into dx: Tensor, accumulate: Bool) {
    let g = geometry
    dy.withUnsafeBufferPointer { dyp in
      weight.withUnsafeBufferPointer { wp in
        dx.withUnsafeMutableBufferPointer { dxp in
          columnGradient.withUnsafeMutableBufferPointer { cp in
            let (dy, w, dx) = (dyp.baseAddress!, wp.baseAddress!, dxp.baseAddress!)
            let scratch = cp.baseAddress ?? dx
            if g.readsInputAsGEMMOperand {
              region(
                .backwardDataPointwise, workers: poolWorkers, dy, w, dx, scratch: scratch,
                accumulate: accumulate)
              return
            }
            let workers = backwardDataWorkers
            if !accumulate { region(.zero, workers: workers, dy, w, dx, scratch: scratch) }
            region(.backwardDataChunks(phase: 0), workers: workers, dy, w, dx, scratch: scratch)
            region(.backwardDataChunks(phase: 1), workers: workers, dy, w, dx, scratch: scratch)
          }
        }
      }
    }
  }

  /// Workers for the two-phase col2im: at most one per two chunks of ⌈(k − s)/s⌉ (at least 1) output rows.
  var backwardDataWorkers: Int {
    let g = geometry
    let gap = max(1, (g.kernel - 1) / g.stride)
    return max(1, min(poolWorkers, g.batch * g.outHeight / (2 * gap)))
  }

  /// Backward-weights on the pool (see the type's notes); the bias gradient is left to the caller.
  func poolBackwardWeights(input x: Tensor, gradient dy: Tensor, reuse: Bool) {
    let g = geometry
    let workers = poolWorkers
    if !g.readsInputAsGEMMOperand && !reuse && !retainsColumns {
      poolBackwardWeightsRepacking(input: x, gradient: dy)
      return
    }
    x.withUnsafeBufferPointer { xp in
      dy.withUnsafeBufferPointer { dyp in
        weightGradient.withUnsafeMutableBufferPointer { dwp in
          columns.withUnsafeMutableBufferPointer { cp in
            let (x, dy, dw) = (xp.baseAddress!, dyp.baseAddress!, dwp.baseAddress!)
            if g.readsInputAsGEMMOperand {
              region(.weightsSplit, workers: workers, x, dy, dw, scratch: dw)
              return
            }
            let columns = cp.baseAddress!
            if !reuse { region(.packRetained, workers: workers, x, dy, columns, scratch: columns) }
            region(.weightsSplit, workers: workers, UnsafePointer(columns), dy, dw, scratch: columns)
          }
        }
      }
    }
    if retainsColumns && !g.readsInputAsGEMMOperand { packedInput = ObjectIdentifier(x) }
  }

  /// Backward-weights of a kernel that repacks its columns block by block: per-worker partial gradients
  /// (worker 0 straight into `weightGradient`), then their sum in worker order.
  func poolBackwardWeightsRepacking(input x: Tensor, gradient dy: Tensor) {
    let workers = poolWorkers
    if weightGradientPartials == nil {
      weightGradientPartials = Tensor(zeros: [(workerCapacity - 1) * weightCount])
    }
    guard let partials = weightGradientPartials else { return }
    x.withUnsafeBufferPointer { xp in
      dy.withUnsafeBufferPointer { dyp in
        weightGradient.withUnsafeMutableBufferPointer { dwp in
          partials.withUnsafeMutableBufferPointer { pp in
            columns.withUnsafeMutableBufferPointer { cp in
              let (x, dy, dw) = (xp.baseAddress!, dyp.baseAddress!, dwp.baseAddress!)
              let spare = pp.baseAddress ?? dw
              region(.weightsPartial(columns: cp.baseAddress!), workers: workers, x, dy, dw, scratch: spare)
              region(.sumPartials, workers: workers, x, dy, dw, scratch: spare)
            }
          }
        }
      }
    }
  }

  // MARK: One worker's part of each pass

  /// Bytes of a pointwise layer's input and output rows that one forward GEMM call covers on the pool: the
  /// worker's share goes in blocks that fit the L2 cache (1 MiB per core here), so the output block the GEMM
  /// zeroes (β = 0) and then accumulates stays in cache between the two passes.
  static let pointwiseBlockBytes = 1 << 20

  /// Rows per forward GEMM call of a pointwise layer on the pool (at least 64).
  var pointwiseBlockRows: Int {
    let g = geometry
    return max(64, Self.pointwiseBlockBytes / (MemoryLayout<Float>.size * (g.inChannels + g.outChannels)))
  }

  /// Forward, worker `worker`: its share of the rows of a pointwise layer, in blocks of `pointwiseBlockRows`.
  @inline(__always)
  func forwardRows(
    worker: Int, of workers: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>
  ) {
    let g = geometry
    let (n, k) = (g.gemmN, g.gemmK)
    let share = Threading.share(worker, of: workers, count: g.gemmM)
    let block = pointwiseBlockRows
    forEachBlock(of: block, in: share) { start, rows in
      for group in 0..<g.groups {
        forwardGEMM(
          worker: worker, rows: rows, a: x + start * g.inChannels + group * k, lda: g.inChannels,
          b: w + group * n, c: y + start * g.outChannels + group * n)
      }
    }
  }

  /// Forward, worker `worker`: its share of the output channels of a pointwise layer with few rows.
  @inline(__always)
  func forwardChannels(
    worker: Int, of workers: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>
  ) {
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    let cols = Self.channelShare(worker, of: workers, count: n)
    guard !cols.isEmpty else { return }
    for group in 0..<g.groups {
      BLAS.gemm(
        m: m, n: cols.count, k: k, a: x + group * k, lda: g.inChannels,
        b: w + group * n + cols.lowerBound, ldb: g.outChannels,
        c: y + group * n + cols.lowerBound, ldc: g.outChannels, on: backend)
    }
  }

  /// Forward, worker `worker`: packs and multiplies its share of the output pixels, block by block in its own
  /// block of `columns`, or into its rows of the retained matrix.
  @inline(__always)
  func forwardColumns(
    worker: Int, of workers: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
    y: UnsafeMutablePointer<Float>,
    columns: UnsafeMutablePointer<Float>, multiply: Bool = true
  ) {
    let g = geometry
    let (n, k) = (g.gemmN, g.gemmK)
    let share = Threading.share(worker, of: workers, count: g.gemmM)
    let stride = columnStride
    let base = retainsColumns ? columns + share.lowerBound * k : columns + worker * g.groups * blockRows * k
    let block = retainsColumns ? share.count : blockRows
    forEachBlock(of: block, in: share) { start, rows in
      Im2col.pack(g, x: x, rows: start..<(start + rows), columns: base, rowStride: stride)
      for group in 0..<g.groups where multiply {
        forwardGEMM(
          worker: worker, rows: rows, a: base + group * stride * k, lda: k, b: w + group * n,
          c: y + start * g.outChannels + group * n)
      }
    }
  }

  /// Backward-data of a pointwise layer, worker `worker`: its rows of dx, or its channels when rows are few.
  @inline(__always)
  func backwardDataPointwise(
    worker: Int, of workers: Int, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    let splitRows = m >= Self.minimumRowsPerWorker * workers
    let rows = splitRows ? Threading.share(worker, of: workers, count: m) : 0..<m
    let cols = splitRows ? 0..<k : Self.channelShare(worker, of: workers, count: k)
    guard !rows.isEmpty, !cols.isEmpty else { return }
    for group in 0..<g.groups {
      // dx_g (M × Cin/g) = dy_g (M × Cout/g) · W_gᵀ
      BLAS.gemm(
        transposeB: true, m: rows.count, n: cols.count, k: n,
        a: dy + rows.lowerBound * g.outChannels + group * n, lda: g.outChannels,
        b: w + cols.lowerBound * g.outChannels + group * n, ldb: g.outChannels,
        beta: accumulate ? 1 : 0, c: dx + rows.lowerBound * g.inChannels + group * k + cols.lowerBound,
        ldc: g.inChannels, on: backend)
    }
  }

  /// Backward-data, worker `worker`: chunk 2·worker + `phase` of the output rows, GEMM into its own column
  /// block, then col2im into dx.
  @inline(__always)
  func backwardDataChunk(
    worker: Int, of workers: Int, phase: Int, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>
  ) {
    let g = geometry
    let (n, k) = (g.gemmN, g.gemmK)
    let chunk = Threading.share(2 * worker + phase, of: 2 * workers, count: g.batch * g.outHeight)
    let share = (chunk.lowerBound * g.outWidth)..<(chunk.upperBound * g.outWidth)
    let buffer = columns + worker * g.groups * blockRows * k
    forEachBlock(of: blockRows, in: share) { start, rows in
      for group in 0..<g.groups {
        BLAS.gemm(
          transposeB: true, m: rows, n: k, k: n, a: dy + start * g.outChannels + group * n,
          lda: g.outChannels,
          b: w + group * n, ldb: g.outChannels, c: buffer + group * blockRows * k, ldc: k, on: backend)
      }
      Im2col.unpackAdding(g, columns: buffer, rows: start..<(start + rows), rowStride: blockRows, dx: dx)
    }
  }

  /// Backward-weights, worker `worker`: its rows (or columns, when N > K) of dW_g = A_gᵀ·dy_g over every pixel,
  /// A being the input itself (pointwise) or the retained columns.
  @inline(__always)
  func weightsSplit(
    worker: Int, of workers: Int, a: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dw: UnsafeMutablePointer<Float>
  ) {
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    let pointwise = g.readsInputAsGEMMOperand
    let splitRows = k >= n
    let rows = splitRows ? Self.channelShare(worker, of: workers, count: k) : 0..<k
    let cols = splitRows ? 0..<n : Self.channelShare(worker, of: workers, count: n)
    guard !rows.isEmpty, !cols.isEmpty else { return }
    for group in 0..<g.groups {
      let aGroup = pointwise ? a + group * k : a + group * m * k
      BLAS.gemm(
        transposeA: true, m: rows.count, n: cols.count, k: m, a: aGroup + rows.lowerBound,
        lda: pointwise ? g.inChannels : k, b: dy + group * n + cols.lowerBound, ldb: g.outChannels,
        c: dw + rows.lowerBound * g.outChannels + group * n + cols.lowerBound, ldc: g.outChannels, on: backend
      )
    }
  }

  /// Backward-weights without retained columns, worker `worker`: its share of the pixels, packed block by block
  /// into its own block, accumulated into its partial gradient (`dw` for worker 0, else its slot of `partials`).
  @inline(__always)
  func weightsPartial(
    worker: Int, of workers: Int, x: UnsafePointer<Float>, dy: UnsafePointer<Float>,
    dw: UnsafeMutablePointer<Float>,
    partials: UnsafeMutablePointer<Float>, columns: UnsafeMutablePointer<Float>
  ) {
    let g = geometry
    let (n, k) = (g.gemmN, g.gemmK)
    let count = weightCount
    let share = Threading.share(worker, of: workers, count: g.gemmM)
    let target = worker == 0 ? dw : partials + (worker - 1) * count
    if share.isEmpty {
      target.update(repeating: 0, count: count)
      return
    }
    let buffer = columns + worker * g.groups * blockRows * k
    forEachBlock(of: blockRows, in: share) { start, rows in
      Im2col.pack(g, x: x, rows: start..<(start + rows), columns: buffer, rowStride: blockRows)
      for group in 0..<g.groups {
        BLAS.gemm(
          transposeA: true, m: k, n: n, k: rows, a: buffer + group * blockRows * k, lda: k,
          b: dy + start * g.outChannels + group * n, ldb: g.outChannels,
          beta: start == share.lowerBound ? 0 : 1,
          c: target + group * n, ldc: g.outChannels, on: backend)
      }
    }
  }
}

/// One parallel region of a `Conv2D` pass: the kernel, the pass, and the pointers its workers share.
struct ConvRegion: ParallelWork {
  enum Pass {
    case forwardRows
    case forwardChannels
    case forwardColumns
    /// The forward pass's im2col packing alone (`packColumns`).
    case packColumns
    case backwardDataPointwise
    case zero
    case backwardDataChunks(phase: Int)
    case packRetained
    case weightsSplit
    case weightsPartial(columns: UnsafeMutablePointer<Float>)
    case sumPartials
  }

  let conv: Conv2D
  let pass: Pass
  let workers: Int
  /// x (forward, weights) or dy (backward-data); the retained columns for `weightsSplit` of an im2col layer.
  let a: UnsafePointer<Float>
  /// The weights (forward, backward-data) or dy (backward-weights).
  let b: UnsafePointer<Float>
  /// y, dx or dW.
  let c: UnsafeMutablePointer<Float>
  /// The columns workspace, column-gradient workspace or partial gradients.
  let scratch: UnsafeMutablePointer<Float>
  let accumulate: Bool

  func run(worker: Int) {
    let g = conv.geometry
    switch pass {
    case .forwardRows:
      conv.forwardRows(worker: worker, of: workers, x: a, w: b, y: c)
    case .forwardChannels:
      conv.forwardChannels(worker: worker, of: workers, x: a, w: b, y: c)
    case .forwardColumns:
      conv.forwardColumns(worker: worker, of: workers, x: a, w: b, y: c, columns: scratch)
    case .packColumns:
      conv.forwardColumns(worker: worker, of: workers, x: a, w: b, y: c, columns: scratch, multiply: false)
    case .backwardDataPointwise:
      conv.backwardDataPointwise(worker: worker, of: workers, dy: a, w: b, dx: c, accumulate: accumulate)
    case .zero:
      let part = Threading.share(worker, of: workers, count: g.batch * g.height * g.width * g.inChannels)
      (c + part.lowerBound).update(repeating: 0, count: part.count)
    case .backwardDataChunks(let phase):
      conv.backwardDataChunk(worker: worker, of: workers, phase: phase, dy: a, w: b, dx: c, columns: scratch)
    case .packRetained:
      let share = Threading.share(worker, of: workers, count: g.gemmM)
      Im2col.pack(g, x: a, rows: share, columns: c + share.lowerBound * g.gemmK, rowStride: g.gemmM)
    case .weightsSplit:
      conv.weightsSplit(worker: worker, of: workers, a: a, dy: b, dw: c)
    case .weightsPartial(let columns):
      conv.weightsPartial(
        worker: worker, of: workers, x: a, dy: b, dw: c, partials: scratch, columns: columns)
    case .sumPartials:
      let count = conv.weightCount
      let part = Threading.share(worker, of: workers, count: count)
      for other in 1..<max(workers, 1) {
        let source = scratch + (other - 1) * count
        for i in part { c[i] += source[i] }
      }
    }
  }
}
