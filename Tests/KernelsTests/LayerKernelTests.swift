import Geometry
import Kernels
import Tensors
import Testing

@Suite("BatchNorm, ReLU, pooling, residual, SGD")
struct LayerKernelTests {
  @Test("batch norm training forward normalises each channel", arguments: [1, 3])
  func batchNormForward(batch: Int) {
    var rng = SplitMix64(seed: 21)
    let c = 5
    let x = Tensor(normal: [batch, 4, 3, c], standardDeviation: 3, using: &rng)
    let bn = BatchNorm(channels: c)
    bn.gamma.scalars = [1, 2, 0.5, 1, 3]
    bn.beta.scalars = [0, 1, -1, 2, 0]
    let y = Tensor(zeros: x.shape)
    bn.forwardTraining(x, into: y)
    let rows = x.count / c
    for j in 0..<c {
      var mean = 0.0
      var variance = 0.0
      for r in 0..<rows { mean += Double(y.scalars[r * c + j]) }
      mean /= Double(rows)
      for r in 0..<rows { variance += pow2(Double(y.scalars[r * c + j]) - mean) }
      variance /= Double(rows)
      #expect(abs(mean - Double(bn.beta[j])) < 1e-4)
      #expect(abs(variance.squareRoot() - Double(bn.gamma[j])) < 1e-3)
    }
  }

  @Test func batchNormBackwardMatchesFiniteDifferences() {
    var rng = SplitMix64(seed: 22)
    let shape = [2, 3, 3, 4]
    let x = Tensor(normal: shape, using: &rng)
    let r = Tensor(normal: shape, using: &rng)
    let bn = BatchNorm(channels: 4)
    bn.gamma.scalars = [1.5, 0.7, 1, 2]
    let y = Tensor(zeros: shape)
    func loss() -> Double {
      bn.forwardTraining(x, into: y)
      return dot(y, r)
    }
    _ = loss()
    let dx = Tensor(zeros: shape)
    bn.backward(input: x, gradient: r, into: dx)
    for index in [0, 5, 17, 35, 71] {
      let numeric = numericGradient(of: loss, at: index, in: x)
      #expect(abs(numeric - Double(dx.scalars[index])) < 2e-2 * max(1, abs(numeric)), "index \(index)")
    }
    // dβ = Σ dy per channel.
    for j in 0..<4 {
      let expected = stride(from: j, to: r.count, by: 4).reduce(Float(0)) { $0 + r.scalars[$1] }
      #expect(abs(bn.betaGradient[j] - expected) < 1e-4)
    }
  }

  @Test func batchNormInferenceUsesRunningStatistics() {
    let bn = BatchNorm(channels: 2)
    bn.runningMean.scalars = [1, -1]
    bn.runningVariance.scalars = [4, 0.25]
    bn.gamma.scalars = [2, 1]
    bn.beta.scalars = [0, 3]
    let x = Tensor(shape: [1, 1, 2, 2], scalars: [3, 0, 1, -1])
    bn.forwardInference(x, into: x)
    let eps: Float = 1e-5
    #expect(abs(x.scalars[0] - 2 * (3 - 1) / (4 + eps).squareRoot()) < 1e-5)
    #expect(abs(x.scalars[1] - (3 + (0 + 1) / (0.25 + eps).squareRoot())) < 1e-4)
    #expect(abs(x.scalars[2]) < 1e-6)
  }

  @Test func reluForwardAndBackward() {
    let x = Tensor(shape: [1, 1, 1, 4], scalars: [-1, 2, 0, 3])
    let y = Tensor(zeros: x.shape)
    ReLU.forward(x, into: y)
    #expect(y.scalars == [0, 2, 0, 3])
    let dy = Tensor(shape: x.shape, scalars: [5, 6, 7, 8])
    let dx = Tensor(zeros: x.shape)
    ReLU.backward(output: y, gradient: dy, into: dx)
    #expect(dx.scalars == [0, 6, 0, 8])
  }

  @Test("max pool forward and backward against loops", arguments: [(3, 2, 1), (2, 2, 0), (3, 1, 1)])
  func maxPool(kernel: Int, stride: Int, padding: Int) throws {
    var rng = SplitMix64(seed: 23)
    let g = ConvGeometry(
      batch: 2, height: 7, width: 6, inChannels: 3, outChannels: 3, kernel: kernel, stride: stride,
      padding: padding)
    let pool = try MaxPool(g)
    let x = Tensor(normal: g.inputShape, using: &rng)
    let y = Tensor(zeros: g.outputShape)
    pool.forward(x, into: y)
    let dy = Tensor(normal: g.outputShape, using: &rng)
    let dx = Tensor(zeros: g.inputShape)
    pool.backward(gradient: dy, into: dx)
    var expectedDx = [Float](repeating: 0, count: x.count)
    for n in 0..<2 {
      for oy in 0..<g.outHeight {
        for ox in 0..<g.outWidth {
          for c in 0..<3 {
            var best = -Float.infinity
            var at = 0
            for ky in 0..<kernel {
              for kx in 0..<kernel {
                let iy = oy * stride - padding + ky
                let ix = ox * stride - padding + kx
                guard iy >= 0, iy < 7, ix >= 0, ix < 6 else { continue }
                if x[n, iy, ix, c] > best {
                  best = x[n, iy, ix, c]
                  at = x.offset([n, iy, ix, c])
                }
              }
            }
            #expect(y[n, oy, ox, c] == best)
            expectedDx[at] += dy[n, oy, ox, c]
          }
        }
      }
    }
    #expect(dx.relativeError(to: Tensor(shape: x.shape, scalars: expectedDx)) < 1e-6)
  }

  @Test func globalAveragePool() {
    let x = Tensor(shape: [1, 2, 2, 2], scalars: [1, 10, 2, 20, 3, 30, 4, 40])
    let y = Tensor(zeros: [1, 1, 1, 2])
    GlobalAveragePool.forward(x, into: y)
    #expect(y.scalars == [2.5, 25])
    let dx = Tensor(zeros: x.shape)
    GlobalAveragePool.backward(gradient: Tensor(shape: [1, 1, 1, 2], scalars: [4, 8]), into: dx)
    #expect(dx.scalars == [1, 2, 1, 2, 1, 2, 1, 2])
  }

  @Test func residualAddAndSGD() {
    let a = Tensor(shape: [3], scalars: [1, 2, 3])
    let b = Tensor(shape: [3], scalars: [10, 20, 30])
    ResidualAdd.forward(adding: a, into: b)
    #expect(b.scalars == [11, 22, 33])
    SGD.update(b, gradient: a, learningRate: 0.5)
    #expect(b.scalars == [10.5, 21, 31.5])
  }
}

func pow2(_ x: Double) -> Double { x * x }
