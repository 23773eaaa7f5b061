import Tensors

/// A 2-D convolution over NHWC float32 batches, computed as GEMMs on OpenBLAS.
///
/// * Forward: 1×1 stride-1 unpadded convolutions (and linear layers) are one GEMM per group
///   straight on the input, no copy; every other shape packs im2col columns into a preallocated
///   workspace and runs one GEMM per group (`M × Cout/g × k²·Cin/g`).
/// * Backward-data: GEMM against the transposed weights, then col2im (or directly into `dx` for
///   pointwise convolutions).
/// * Backward-weights: GEMM `columnsᵀ · dy`, reusing the columns packed by the preceding forward
///   call on the same input.
///
/// All buffers (weights, weight gradient, columns, column gradient, bias) are allocated in `init`;
/// the calls themselves do not allocate. Layouts: activations NHWC, weights HWIO
/// `[k, k, Cin/g, Cout]` (see `ConvGeometry.weightShape`). Not thread-safe: one caller at a time.
public final class Conv2D {
  public let geometry: ConvGeometry
  /// HWIO weights `[k, k, Cin/g, Cout]`.
  public let weight: Tensor
  /// Gradient of the loss with respect to `weight`, written by `backwardWeights`.
  public let weightGradient: Tensor
  /// Optional per-output-channel bias `[Cout]` (linear layers); convolutions in ResNet have none.
  public let bias: Tensor?
  /// Gradient with respect to `bias`.
  public let biasGradient: Tensor?

  /// im2col workspace `[g][M][K_g]` (empty for pointwise convolutions).
  let columns: Tensor
  /// Column-gradient workspace for backward-data (same shape as `columns`).
  let columnGradient: Tensor
  /// `geometry.inputShape` and `outputShape`, stored so shape checks do not build arrays per call.
  let inputShape: [Int]
  let outputShape: [Int]
  /// Identity of the input whose columns `columns` currently holds.
  var packedInput: ObjectIdentifier?

  /// A convolution with the given weights (HWIO); pass `bias` for a linear layer with bias.
  public init(_ geometry: ConvGeometry, weight: Tensor, bias: Tensor? = nil) throws(KernelError) {
    try geometry.validate()
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
    self.bias = bias
    self.biasGradient = bias.map { Tensor(zeros: $0.shape) }
    let workspace = geometry.isPointwise ? [0] : [geometry.groups, geometry.gemmM, geometry.gemmK]
    self.columns = Tensor(zeros: workspace)
    self.columnGradient = Tensor(zeros: workspace)
  }

  /// A convolution with He-normal random weights (std √(2/fan_in)) from `generator`.
  public convenience init<G: RandomNumberGenerator>(
    _ geometry: ConvGeometry, bias: Bool = false, using generator: inout G
  ) throws(KernelError) {
    try geometry.validate()
    let fanIn = Float(geometry.gemmK)
    let w = Tensor(
      normal: geometry.weightShape, standardDeviation: (2 / fanIn).squareRoot(), using: &generator)
    try self.init(geometry, weight: w, bias: bias ? Tensor(zeros: [geometry.outChannels]) : nil)
  }

  /// Bytes of workspace this kernel holds besides weights (im2col columns and their gradient).
  public var workspaceBytes: Int { (columns.count + columnGradient.count) * MemoryLayout<Float>.size }

  func checkShapes(input x: Tensor, output y: Tensor) {
    precondition(x.shape == inputShape, "input \(x.shape) ≠ \(inputShape)")
    precondition(y.shape == outputShape, "output \(y.shape) ≠ \(outputShape)")
    precondition(x !== y, "a convolution cannot run in place")
  }

  /// y ← conv(x) (+ bias). `x` is NHWC `inputShape`, `y` NHWC `outputShape`.
  public func forward(_ x: Tensor, into y: Tensor) {
    checkShapes(input: x, output: y)
    let g = geometry
    let (m, n, k) = (g.gemmM, g.gemmN, g.gemmK)
    x.scalars.withUnsafeBufferPointer { xp in
      weight.scalars.withUnsafeBufferPointer { wp in
        y.scalars.withUnsafeMutableBufferPointer { yp in
          if g.isPointwise {
            for group in 0..<g.groups {
              BLAS.gemm(
                m: m, n: n, k: k, a: xp.baseAddress! + group * k, lda: g.inChannels,
                b: wp.baseAddress! + group * n, ldb: g.outChannels,
                c: yp.baseAddress! + group * n, ldc: g.outChannels)
            }
          } else {
            columns.scalars.withUnsafeMutableBufferPointer { cp in
              Im2col.pack(g, x: xp.baseAddress!, columns: cp.baseAddress!)
              for group in 0..<g.groups {
                BLAS.gemm(
                  m: m, n: n, k: k, a: cp.baseAddress! + group * m * k, lda: k,
                  b: wp.baseAddress! + group * n, ldb: g.outChannels,
                  c: yp.baseAddress! + group * n, ldc: g.outChannels)
              }
            }
          }
          if let bias {
            bias.scalars.withUnsafeBufferPointer { bp in
              Elementwise.addRowVector(bp.baseAddress!, to: yp.baseAddress!, rows: m, columns: g.outChannels)
            }
          }
        }
      }
    }
    packedInput = g.isPointwise ? nil : ObjectIdentifier(x)
  }
}
