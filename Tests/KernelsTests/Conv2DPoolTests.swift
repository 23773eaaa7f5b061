import Geometry
import Kernels
import Support
import Tensors
import Testing

/// Shapes that exercise every partition: the naive-loop shapes, plus pointwise layers with many rows (rows
/// split) and few rows (channels split, with a remainder of the 16-wide cut), and a 3×3 layer with enough
/// output rows for three workers' two-phase col2im.
private let poolShapes: [ConvGeometry] =
  convShapes + [
    .linear(batch: 200, inFeatures: 20, outFeatures: 40),
    .linear(batch: 3, inFeatures: 40, outFeatures: 50),
    ConvGeometry(batch: 2, height: 12, width: 12, inChannels: 8, outChannels: 40, kernel: 1),
    ConvGeometry(batch: 2, height: 12, width: 10, inChannels: 5, outChannels: 36, kernel: 3, padding: 1),
  ]

/// The GEMM backend the pool runs on in these tests: the process's, or OpenBLAS when that is oneDNN (whose
/// convolutions are its own primitives, never on the pool).
let poolBackend: GEMMBackend = BLAS.backend == .onednn ? .openblas : BLAS.backend

@Suite("Conv2D on lrd-bench's worker pool", .serialized)
struct Conv2DPoolTests {
  /// Forward, backward-data (overwriting and accumulating) and backward-weights (reusing the retained columns
  /// and repacking) against naive loops, with 1, 2 and 3 workers (3 > cores is allowed), and bitwise equal on a
  /// second run.
  @Test("every pass against naive loops", arguments: poolShapes, [1, 2, 3])
  func passes(geometry: ConvGeometry, workers: Int) throws {
    let saved = BLAS.threads
    BLAS.setThreads(workers)
    defer { BLAS.setThreads(saved) }
    for (retain, blockRows) in [(false, 7), (false, nil), (true, nil)] as [(Bool, Int?)] {
      var rng = SplitMix64(seed: 11)
      let w = Tensor(normal: geometry.weightShape, using: &rng)
      let conv = try Conv2D(
        geometry, weight: w, retainColumns: retain, blockRows: blockRows, backend: poolBackend,
        threading: .pool, workers: workers)
      #expect(conv.threading == .pool)
      let x = Tensor(normal: geometry.inputShape, using: &rng)
      let dy = Tensor(normal: geometry.outputShape, using: &rng)
      let expected = Reference.convBackward(geometry, x: x, w: w, dy: dy)
      let label =
        "\(geometry), \(workers) workers, retain \(retain), block \(blockRows.map(String.init) ?? "auto")"

      let regions = Threading.pool.regions
      let y = Tensor(zeros: geometry.outputShape)
      y.fill(.nan)
      conv.forward(x, into: y)
      #expect(y.relativeError(to: Reference.convForward(geometry, x: x, w: w)) < 1e-5, "forward \(label)")
      #expect((Threading.pool.regions > regions) == (workers > 1), "pool regions used: \(label)")

      let dx = Tensor(normal: geometry.inputShape, using: &rng)  // garbage: must be overwritten
      conv.backwardData(dy, into: dx)
      #expect(dx.relativeError(to: expected.dx) < 1e-5, "dx \(label)")
      conv.backwardData(dy, into: dx, accumulate: true)
      let twice = Tensor(shape: expected.dx.shape, scalars: expected.dx.scalars.map { 2 * $0 })
      #expect(dx.relativeError(to: twice) < 1e-5, "dx accumulated \(label)")

      conv.weightGradient.fill(.nan)
      conv.backwardWeights(input: x, gradient: dy, reusingForwardColumns: true)
      #expect(conv.weightGradient.relativeError(to: expected.dw) < 1e-5, "dW \(label)")
      let other = Tensor(normal: geometry.inputShape, using: &rng)
      conv.forward(other, into: y)
      conv.weightGradient.fill(.nan)
      conv.backwardWeights(input: x, gradient: dy)
      #expect(conv.weightGradient.relativeError(to: expected.dw) < 1e-5, "dW repacked \(label)")

      // Columns packed on their own (as benchmarks time the copy) serve backward-weights like forward's.
      if retain {
        conv.forward(other, into: y)
        conv.packColumns(x)
        conv.weightGradient.fill(.nan)
        conv.backwardWeights(input: x, gradient: dy, reusingForwardColumns: true)
        #expect(conv.weightGradient.relativeError(to: expected.dw) < 1e-5, "dW from packColumns \(label)")
      }

      // The same calls again give the same bits.
      let first = (y.scalars, dx.scalars, conv.weightGradient.scalars)
      conv.forward(other, into: y)
      conv.backwardData(dy, into: dx)
      conv.backwardData(dy, into: dx, accumulate: true)
      conv.backwardWeights(input: x, gradient: dy)
      #expect(
        y.scalars == first.0 && dx.scalars == first.1, "forward/backward-data not bitwise equal: \(label)")
      #expect(Bool(conv.weightGradient.scalars == first.2), "backward-weights not bitwise equal: \(label)")
    }
  }

  @Test("the library strategy runs without the pool")
  func libraryStrategy() throws {
    let saved = BLAS.threads
    BLAS.setThreads(2)
    defer { BLAS.setThreads(saved) }
    let geometry = ConvGeometry(
      batch: 2, height: 6, width: 6, inChannels: 4, outChannels: 8, kernel: 3, padding: 1)
    var rng = SplitMix64(seed: 12)
    let conv = try Conv2D(
      geometry, weight: Tensor(normal: geometry.weightShape, using: &rng), backend: poolBackend,
      threading: .library)
    let x = Tensor(normal: geometry.inputShape, using: &rng)
    let y = Tensor(zeros: geometry.outputShape)
    let regions = Threading.pool.regions
    conv.forward(x, into: y)
    #expect(Threading.pool.regions == regions)
    #expect(y.relativeError(to: Reference.convForward(geometry, x: x, w: conv.weight)) < 1e-5)
    #expect(conv.implementation == "im2col + GEMM, library threads")
  }
}
