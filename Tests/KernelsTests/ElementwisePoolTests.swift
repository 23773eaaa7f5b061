import Kernels
import Support
import Tensors
import Testing

@Suite("ReLU, residual add and SGD on lrd-bench's worker pool", .serialized)
struct ElementwisePoolTests {
  @Test("against plain loops, with 1, 2 and 3 workers", arguments: [1, 2, 3])
  func againstLoops(workers: Int) {
    let saved = BLAS.threads
    BLAS.setThreads(workers)
    defer { BLAS.setThreads(saved) }
    let count = 40_001  // above the split threshold, not a multiple of the workers
    var rng = SplitMix64(seed: 41)
    let x = Tensor(normal: [count], using: &rng)
    let g = Tensor(normal: [count], using: &rng)
    let regions = Threading.pool.regions

    let y = Tensor(zeros: [count])
    y.fill(.nan)
    ReLU.forward(x, into: y)
    #expect(Bool(y.scalars == x.scalars.map { max($0, 0) }), "ReLU forward")
    let inPlace = Tensor(shape: [count], scalars: x.scalars)
    ReLU.forward(inPlace, into: inPlace)
    #expect(Bool(inPlace.scalars == y.scalars), "ReLU forward in place")

    let dx = Tensor(zeros: [count])
    dx.fill(.nan)
    ReLU.backward(output: y, gradient: g, into: dx)
    let masked = zip(y.scalars, g.scalars).map { $0 > 0 ? $1 : 0 }
    #expect(Bool(dx.scalars == masked), "ReLU backward")
    let gInPlace = Tensor(shape: [count], scalars: g.scalars)
    ReLU.backward(output: y, gradient: gInPlace, into: gInPlace)
    #expect(Bool(gInPlace.scalars == masked), "ReLU backward in place")

    let sum = Tensor(shape: [count], scalars: g.scalars)
    ResidualAdd.forward(adding: x, into: sum)
    #expect(zip(sum.scalars, zip(g.scalars, x.scalars)).allSatisfy { abs($0 - ($1.0 + $1.1)) <= 1e-6 })
    let copy = Tensor(zeros: [count])
    copy.fill(.nan)
    ResidualAdd.backward(gradient: g, into: copy, accumulate: false)
    #expect(Bool(copy.scalars == g.scalars), "residual backward")
    ResidualAdd.backward(gradient: g, into: copy, accumulate: true)
    #expect(
      zip(copy.scalars, g.scalars).allSatisfy { abs($0 - 2 * $1) <= 1e-6 }, "residual backward accumulated")

    let w = Tensor(shape: [count], scalars: x.scalars)
    SGD.update(w, gradient: g, learningRate: 0.5)
    #expect(zip(w.scalars, zip(x.scalars, g.scalars)).allSatisfy { abs($0 - ($1.0 - 0.5 * $1.1)) <= 1e-6 })
    #expect((Threading.pool.regions > regions) == (workers > 1), "pool used with \(workers) workers")
  }
}
