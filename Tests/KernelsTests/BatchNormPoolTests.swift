import Kernels
import Support
import Tensors
import Testing

@Suite("BatchNorm on lrd-bench's worker pool", .serialized)
struct BatchNormPoolTests {
  /// Every pass on `workers` workers: forward training and inference with a residual and ReLU, and backward
  /// through the ReLU mask, for a tensor large enough to be split (4×16×16×40 = 40,960 elements).
  func passes(workers: Int) -> [[Float]] {
    let saved = BLAS.threads
    BLAS.setThreads(workers)
    defer { BLAS.setThreads(saved) }
    let shape = [4, 16, 16, 40]
    var rng = SplitMix64(seed: 31)
    let x = Tensor(normal: shape, standardDeviation: 2, using: &rng)
    let residual = Tensor(normal: shape, using: &rng)
    let dy = Tensor(normal: shape, using: &rng)
    let bn = BatchNorm(channels: 40, backend: poolBackend)
    bn.gamma.assign((0..<40).map { 0.5 + Float($0) * 0.05 })
    bn.beta.assign((0..<40).map { Float($0) * 0.1 - 2 })
    let y = Tensor(zeros: shape)
    y.fill(.nan)
    let regions = Threading.pool.regions
    bn.forwardTraining(x, into: y, residual: residual, relu: true)
    #expect((Threading.pool.regions > regions) == (workers > 1), "pool used with \(workers) workers")
    let dx = Tensor(zeros: shape)
    dx.fill(.nan)
    let plain = Tensor(zeros: shape)
    bn.forwardTraining(x, into: plain, relu: true)
    bn.backward(input: x, gradient: dy, into: dx, reluOutput: plain)
    let inference = Tensor(zeros: shape)
    inference.fill(.nan)
    bn.forwardInference(x, into: inference, residual: residual, relu: true)
    return [
      y.scalars, dx.scalars, bn.gammaGradient.scalars, bn.betaGradient.scalars, inference.scalars,
      bn.runningMean.scalars, bn.runningVariance.scalars,
    ]
  }

  @Test("the same results as one thread, and the same bits twice", arguments: [2, 3])
  func matchesOneThread(workers: Int) {
    let reference = passes(workers: 1)
    let pooled = passes(workers: workers)
    for (index, (a, b)) in zip(reference, pooled).enumerated() {
      let worst = zip(a, b).map { abs(Double($0) - Double($1)) / max(1, abs(Double($0))) }.max() ?? .nan
      #expect(worst < 1e-5, "output \(index): worst relative difference \(worst) with \(workers) workers")
    }
    #expect(
      Bool(passes(workers: workers) == pooled), "not bitwise equal on a second run with \(workers) workers")
  }
}
