import Geometry
import Tensors

/// A 2-D convolution over NHWC float32 batches, computed as GEMMs on OpenBLAS or BLIS, or by oneDNN.
///
/// The kernel runs on `backend` (default: the process's `BLAS.backend`). On oneDNN all three passes are its
/// convolution primitives (`DNNLConvolution`) on the same buffers and no im2col workspace is allocated;
/// on OpenBLAS and BLIS:
///
/// * Forward: 1×1 stride-1 unpadded convolutions (and linear layers) are one GEMM per group
///   straight on the input, no copy. Every other shape packs im2col columns and runs one GEMM per
///   group (`rows × Cout/g × k²·Cin/g`). Unless the columns are retained for a backward-weights
///   pass, this goes in blocks of `blockRows` output pixels whose columns fit in cache
///   (`columnBlockBytes`, 2 MiB by default): the copy writes to cache instead of memory and the
///   GEMM reads its A operand from cache.
/// * Backward-data: GEMM against the transposed weights, then col2im, block by block (or directly
///   into `dx` for pointwise convolutions).
/// * Backward-weights: GEMM `columnsᵀ · dy`, reusing the columns of the preceding forward call when
///   they were retained, otherwise block by block, accumulating.
///
/// Threads (`threading`): on the `pool` strategy each call is one parallel region of the process's
/// `Threading.pool` (see `Conv2D+Pool.swift` for the partitions: output rows for forward, output-row chunks
/// in two phases for backward-data, weight-gradient rows for backward-weights), every worker packing its own
/// columns into its own block and calling the library's GEMM single-threaded; on the `library` strategy the
/// calling thread packs and the library threads each GEMM.
///
/// All buffers (weights, weight gradient, column blocks per worker, bias) are allocated in `init` (the
/// backward-weights partial sums of a non-retaining kernel on its first such call); the calls do not
/// allocate. Layouts: activations NHWC, weights HWIO `[k, k, Cin/g, Cout]`
/// (see `ConvGeometry.weightShape`). Not thread-safe: one caller at a time.
package final class Conv2D {
  /// The convolution's shape and batch; inputs are NHWC `[N, H, W, Cin]`, outputs `[N, OH, OW, Cout]`.
  package let geometry: ConvGeometry
  /// HWIO weights `[k, k, Cin/g, Cout]`.
  package let weight: Tensor
  /// Gradient of the loss with respect to `weight`, written by `backwardWeights`.
  package let weightGradient: Tensor
  /// Elements of `weight`.
  let weightCount: Int
  /// Optional per-output-channel bias `[Cout]` (linear layers); convolutions in ResNet have none.
  package let bias: Tensor?
  /// Gradient with respect to `bias`.
  package let biasGradient: Tensor?
  /// True when the forward pass applies max(·, 0) to its output (inference only): a oneDNN post-op, or one
  /// pass over the output after the GEMMs on the other libraries.
  package let fusedReLU: Bool
  /// Whether `forward` keeps the whole im2col matrix for a following `backwardWeights`.
  package let retainsColumns: Bool
  /// Output pixels per im2col block (all of them when columns are retained).
  package let blockRows: Int

  /// How calls are threaded: lrd-bench's worker pool or the library's own threads.
  package internal(set) var threading: ThreadingStrategy
  /// How `threading` was decided: "LRD_BENCH_THREADING=…", "asked", "one thread", or the timings of both
  /// strategies when they were measured ("measured: pool 1.210 ms, library 1.870 ms").
  package internal(set) var threadingReason: String
  /// The most pool workers a call uses (the per-worker buffers are sized for this many).
  package let workerCapacity: Int

  /// im2col workspace: `[workers][g][blockRows][K_g]`, one block per worker (empty for pointwise
  /// convolutions), or `[g][M][K_g]` when columns are retained.
  let columns: Tensor
  /// Column-gradient workspace for backward-data, `[workers][g][blockRows][K_g]` (one block per worker).
  let columnGradient: Tensor
  /// Partial weight gradients of workers 1 ..< capacity for a backward-weights pass that repacks its
  /// columns (made on the first such call with several workers).
  var weightGradientPartials: Tensor?
  /// Forward detours, one per worker (empty when no call needs one).
  let detours: [PaddedGEMM]
  /// `geometry.inputShape` and `outputShape`, stored so shape checks do not build arrays per call.
  let inputShape: [Int]
  let outputShape: [Int]
  /// Identity of the input whose columns `columns` holds in full (retaining mode only).
  var packedInput: ObjectIdentifier?
  /// The allocation profile the detour decision was made with (a copy: no global access per call).
  let allocationProfile: GEMMAllocationProfile
  /// Whether `detour` is used for every forward GEMM (tests) rather than only where OpenBLAS allocates.
  let alwaysDetour: Bool
  /// `allocationProfile.residueMask`, computed once.
  let residueMask: UInt16
  /// The library this kernel runs on.
  package let backend: GEMMBackend
  /// oneDNN's primitives when the kernel was made on the onednn backend; nil otherwise.
  let dnnl: DNNLConvolution?
  /// oneDNN's backward-data overwrites: an accumulating call computes into this NHWC input-shaped
  /// buffer (made on the first such call) and adds it.
  var accumulationScratch: Tensor?

  /// Target size of one im2col block: 2 MiB stays in L2/L3 while the GEMM reads it.
  package static let columnBlockBytes = 2 << 20
  /// Blocks never have fewer rows than this, so each GEMM call stays large enough for OpenBLAS's own
  /// blocking.
  ///
  /// Measured with `lrd-bench kernels` on ResNet-50 (batch 8, 2 threads): 3×3 layers of layer2–layer4 reach
  /// 93–99% of same-shape sgemm with this rule, against 36–92% with blocks of 2 MiB but no minimum (small-M
  /// GEMMs for K = 2304/4608) and 78–97% without blocking.
  package static let minimumBlockRows = 512

  /// A convolution with the given weights (HWIO); pass `bias` for a linear layer with bias and
  /// `retainColumns` when every forward call is followed by `backwardWeights` on the same input.
  ///
  /// `blockRows` overrides the automatic block size (rows per im2col block: max(512, 2 MiB / row)).
  /// `detour` forces (true) or forbids (false) the padded forward GEMM; by default it is used exactly
  /// where this process's OpenBLAS core would allocate (`BLAS.allocationProfile`). `threading` fixes the
  /// strategy; by default `Threading.choice` decides (pool, unless `LRD_BENCH_THREADING` says otherwise; auto:
  /// both are timed on this shape now, with the process's current thread count). `workers` sizes the per-worker buffers (default:
  /// the larger of the processors and the pool's current size).
  package init(
    _ geometry: ConvGeometry, weight: Tensor, bias: Tensor? = nil, retainColumns: Bool = false,
    blockRows: Int? = nil, detour: Bool? = nil, backend: GEMMBackend? = nil,
    threading: ThreadingStrategy? = nil, workers: Int? = nil, relu: Bool = false
  ) throws(KernelError) {
    try geometry.validateForKernel()
    precondition(
      !(relu && retainColumns), "a fused ReLU is for inference kernels; training kernels have none")
    self.fusedReLU = relu
    guard weight.shape == geometry.weightShape else {
      throw KernelError.shapeMismatch(
        "weight \(weight.shape) does not match \(geometry.weightShape) for \(geometry)")
    }
    if let bias, bias.shape != [geometry.outChannels] {
      throw KernelError.shapeMismatch("bias \(bias.shape) must be [\(geometry.outChannels)]")
    }
    self.geometry = geometry
    self.inputShape = geometry.inputShape
    self.outputShape = geometry.outputShape
    self.weight = weight
    self.weightGradient = Tensor(zeros: weight.shape)
    self.weightCount = weight.count
    self.bias = bias
    self.biasGradient = bias.map { Tensor(zeros: $0.shape) }
    self.retainsColumns = retainColumns
    let backend = backend ?? BLAS.backend
    self.backend = backend
    do {
      try BLAS.register(backend)
    } catch {
      throw .backend("\(error)")
    }
    if backend == .onednn {
      do {
        let convolution = try DNNLConvolution(
          geometry, bias: bias != nil, reorderWeightsEveryCall: retainColumns, relu: relu)
        if retainColumns { try convolution.prepareBackward() }
        dnnl = convolution
      } catch {
        throw .backend("\(geometry): \(error)")
      }
      self.blockRows = geometry.gemmM
      self.columns = Tensor(zeros: [0])
      self.columnGradient = Tensor(zeros: [0])
      self.allocationProfile = .none
      self.residueMask = 0
      self.alwaysDetour = false
      self.detours = []
      self.workerCapacity = 1
      self.threading = .library
      self.threadingReason = "oneDNN threads its own primitives"
      return
    }
    dnnl = nil
    let capacity = max(1, workers ?? max(BLAS.processors, Threading.workers))
    self.workerCapacity = capacity
    let m = geometry.gemmM
    let rowBytes = geometry.groups * geometry.gemmK * MemoryLayout<Float>.size
    let automatic = max(Self.minimumBlockRows, Self.columnBlockBytes / max(rowBytes, 1))
    let block = min(m, max(1, blockRows ?? automatic))
    self.blockRows = geometry.readsInputAsGEMMOperand ? m : block
    let perWorker = [capacity, geometry.groups, block, geometry.gemmK]
    self.columns = Tensor(
      zeros: geometry.readsInputAsGEMMOperand
        ? [0] : retainColumns ? [geometry.groups, m, geometry.gemmK] : perWorker)
    self.columnGradient = Tensor(zeros: geometry.readsInputAsGEMMOperand ? [0] : perWorker)
    let profile = backend == .openblas ? BLAS.allocationProfile : .none
    self.allocationProfile = profile
    self.residueMask = profile.residueMask
    self.alwaysDetour = detour == true
    // Rows per forward GEMM: at most all of them (pointwise, or columns retained) or one block; a worker's
    // share and the last block of a share may be shorter, down to one row, and a shorter call is the likelier
    // to take OpenBLAS's small path.
    let (n, k) = (geometry.gemmN, geometry.gemmK)
    let callRows = geometry.readsInputAsGEMMOperand || retainColumns ? m : block
    let needed = profile.nnAllocates(m: 1, n: n, k: k) && residueMask & 1 == 0
    // Scratch for the calls that are routed: at most the rows below OpenBLAS's small-matrix bound.
    let routedRows = detour == true ? callRows : min(callRows, max(1, profile.smallLimit / max(n * k, 1)))
    self.detours =
      (detour ?? needed) ? (0..<capacity).map { _ in PaddedGEMM(maxRows: routedRows, n: n, k: k) } : []
    self.threading = .pool
    self.threadingReason = ""
    chooseThreading(threading)
  }

  /// One forward GEMM, `C (rows×N) = A (rows×K) · B (K×N)`, through worker `worker`'s detour where
  /// OpenBLAS would allocate.
  @inline(__always)
  func forwardGEMM(
    worker: Int = 0, rows: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>
  ) {
    let (n, k, ld) = (geometry.gemmN, geometry.gemmK, geometry.outChannels)
    // No `||` here: its autoclosure may allocate a context in unoptimised builds.
    if worker < detours.count {
      let detour = detours[worker]
      var route = alwaysDetour
      if !route { route = allocationProfile.nnAllocates(m: rows, n: n, k: k, mask: residueMask) }
      if route {
        detour.run(m: rows, a: a, lda: lda, b: b, ldb: ld, c: c, ldc: ld)
        return
      }
    }
    BLAS.gemm(m: rows, n: n, k: k, a: a, lda: lda, b: b, ldb: ld, c: c, ldc: ld, on: backend)
  }

  /// A convolution with He-normal random weights (std √(2/fan_in)) from `generator`.
  package convenience init<G: RandomNumberGenerator>(
    _ geometry: ConvGeometry, bias: Bool = false, retainColumns: Bool = false,
    blockRows: Int? = nil, using generator: inout G
  ) throws(KernelError) {
    try geometry.validateForKernel()
    let w = Tensor(heNormal: geometry.weightShape, using: &generator)
    try self.init(
      geometry, weight: w, bias: bias ? Tensor(zeros: [geometry.outChannels]) : nil,
      retainColumns: retainColumns,
      blockRows: blockRows)
  }

  /// How this kernel computes: "GEMM" or "im2col + GEMM" with its threading ("…, pool threads" or "…, library
  /// threads"), or oneDNN's implementation names ("forward brgconv:avx512_core; …").
  package var implementation: String {
    if let dnnl { return dnnl.implementations.joined(separator: "; ") }
    let method = geometry.readsInputAsGEMMOperand ? "GEMM" : "im2col + GEMM"
    return "\(method), \(threading) threads"
  }

  /// Bytes of workspace this kernel holds besides weights (im2col columns and their gradient).
  package var workspaceBytes: Int { (columns.count + columnGradient.count) * MemoryLayout<Float>.size }

  func checkShapes(input x: Tensor, output y: Tensor) {
    precondition(x.shape == inputShape, "input \(x.shape) ≠ \(inputShape)")
    precondition(y.shape == outputShape, "output \(y.shape) ≠ \(outputShape)")
    precondition(x !== y, "a convolution cannot run in place")
  }

  /// y ← conv(x) (+ bias).
  ///
  /// `x` is NHWC `inputShape`, `y` NHWC `outputShape`.
  package func forward(_ x: Tensor, into y: Tensor) {
    checkShapes(input: x, output: y)
    if let dnnl {
      x.withUnsafeBufferPointer { xp in
        weight.withUnsafeBufferPointer { wp in
          y.withUnsafeMutableBufferPointer { yp in
            if let bias {
              bias.withUnsafeBufferPointer { bp in
                dnnl.forward(x: xp.baseAddress!, w: wp.baseAddress!, b: bp.baseAddress!, y: yp.baseAddress!)
              }
            } else {
              dnnl.forward(x: xp.baseAddress!, w: wp.baseAddress!, b: nil, y: yp.baseAddress!)
            }
          }
        }
      }
      return
    }
    if poolWorkers > 1 {
      poolForward(x, into: y)
      if fusedReLU { ReLU.forward(y, into: y) }
      return
    }
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    x.withUnsafeBufferPointer { xp in
      weight.withUnsafeBufferPointer { wp in
        y.withUnsafeMutableBufferPointer { yp in
          if g.readsInputAsGEMMOperand {
            for group in 0..<g.groups {
              forwardGEMM(
                rows: m, a: xp.baseAddress! + group * k, lda: g.inChannels, b: wp.baseAddress! + group * n,
                c: yp.baseAddress! + group * n)
            }
          } else {
            columns.withUnsafeMutableBufferPointer { cp in
              let stride = columnStride
              forEachBlock(of: stride) { start, rows in
                Im2col.pack(
                  g, x: xp.baseAddress!, rows: start..<(start + rows), columns: cp.baseAddress!,
                  rowStride: stride)
                for group in 0..<g.groups {
                  forwardGEMM(
                    rows: rows, a: cp.baseAddress! + group * stride * k, lda: k,
                    b: wp.baseAddress! + group * n,
                    c: yp.baseAddress! + start * g.outChannels + group * n)
                }
              }
            }
          }
          if let bias {
            bias.withUnsafeBufferPointer { bp in
              Elementwise.addRowVector(bp.baseAddress!, to: yp.baseAddress!, rows: m, columns: g.outChannels)
            }
          }
        }
      }
    }
    packedInput = retainsColumns && !g.readsInputAsGEMMOperand ? ObjectIdentifier(x) : nil
    if fusedReLU { ReLU.forward(y, into: y) }
  }

  /// Packs the im2col columns of `x` block by block, as `forward` does before its GEMMs (each
  /// block overwrites the workspace unless columns are retained; on the pool each worker packs its share
  /// in parallel, as `forward` does), so benchmarks can time the copy on its own.
  package func packColumns(_ x: Tensor) {
    precondition(x.shape == inputShape, "input \(x.shape) ≠ \(inputShape)")
    guard !geometry.readsInputAsGEMMOperand, dnnl == nil else { return }
    if poolWorkers > 1 {
      // Packed as the pooled forward pass packs: each worker its share, in its own block or its rows.
      x.withUnsafeBufferPointer { xp in
        weight.withUnsafeBufferPointer { wp in
          columns.withUnsafeMutableBufferPointer { cp in
            region(
              .packColumns, workers: poolWorkers, xp.baseAddress!, wp.baseAddress!, cp.baseAddress!,
              scratch: cp.baseAddress!)
          }
        }
      }
      packedInput = retainsColumns ? ObjectIdentifier(x) : nil
      return
    }
    x.withUnsafeBufferPointer { xp in
      columns.withUnsafeMutableBufferPointer { cp in
        let stride = columnStride
        forEachBlock(of: stride) { start, rows in
          Im2col.pack(
            geometry, x: xp.baseAddress!, rows: start..<(start + rows), columns: cp.baseAddress!,
            rowStride: stride)
        }
      }
    }
    packedInput = retainsColumns ? ObjectIdentifier(x) : nil
  }

  /// Rows of the columns workspace: every output pixel when columns are retained, else one block.
  var columnStride: Int { retainsColumns ? geometry.gemmM : blockRows }

  /// Calls `body(firstRow, rowCount)` for consecutive blocks of at most `rowsPerBlock` output pixels of
  /// `range` (default: every pixel).
  @inline(__always)
  func forEachBlock(of rowsPerBlock: Int, in range: Range<Int>? = nil, _ body: (Int, Int) -> Void) {
    let range = range ?? 0..<geometry.gemmM
    var start = range.lowerBound
    while start < range.upperBound {
      let rows = min(rowsPerBlock, range.upperBound - start)
      body(start, rows)
      start += rows
    }
  }
}
