import Geometry
import Kernels
import Support
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
    bn.gamma.assign([1, 2, 0.5, 1, 3])
    bn.beta.assign([0, 1, -1, 2, 0])
    let y = Tensor(zeros: x.shape)
    y.fill(.nan)
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

  @Test(
    "batch norm backward equals the closed-form gradients",
    arguments: [[2, 3, 3, 4], [1, 1, 5, 3], [4, 2, 2, 6]])
  func batchNormBackwardIsExact(shape: [Int]) {
    var rng = SplitMix64(seed: 22)
    let c = shape[3]
    let x = Tensor(normal: shape, standardDeviation: 2, using: &rng)
    let dy = Tensor(normal: shape, using: &rng)
    let bn = BatchNorm(channels: c)
    bn.gamma.assign((0..<c).map { 0.5 + Float($0) * 0.4 })
    bn.beta.assign((0..<c).map { Float($0) - 1 })
    let y = Tensor(zeros: shape)
    y.fill(.nan)
    bn.forwardTraining(x, into: y)
    let dx = Tensor(zeros: shape)
    dx.fill(.nan)  // garbage: every element must be written
    bn.backward(input: x, gradient: dy, into: dx)
    // Closed form in Double, per channel over the M rows: x̂ = (x − μ)/σ, dβ = Σ dy, dγ = Σ dy·x̂,
    // dx = γ/(σ·M) · (M·dy − dβ − x̂·dγ), with σ = √(biased variance + ε).
    let rows = x.count / c
    var worst = 0.0
    for j in 0..<c {
      let xs = (0..<rows).map { Double(x.scalars[$0 * c + j]) }
      let gs = (0..<rows).map { Double(dy.scalars[$0 * c + j]) }
      let mean = xs.reduce(0, +) / Double(rows)
      let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(rows)
      let sigma = (variance + Double(bn.epsilon)).squareRoot()
      let hat = xs.map { ($0 - mean) / sigma }
      let dBeta = gs.reduce(0, +)
      let dGamma = zip(gs, hat).reduce(0) { $0 + $1.0 * $1.1 }
      #expect(abs(Double(bn.betaGradient[j]) - dBeta) <= 1e-4 * max(1, abs(dBeta)), "dβ[\(j)]")
      #expect(abs(Double(bn.gammaGradient[j]) - dGamma) <= 1e-4 * max(1, abs(dGamma)), "dγ[\(j)]")
      let gamma = Double(bn.gamma[j])
      for r in 0..<rows {
        let exact = gamma / (sigma * Double(rows)) * (Double(rows) * gs[r] - dBeta - hat[r] * dGamma)
        let got = Double(dx.scalars[r * c + j])
        worst = max(worst, abs(got - exact) / max(1, abs(exact)))
        let output = gamma * hat[r] + Double(bn.beta[j])
        #expect(abs(Double(y.scalars[r * c + j]) - output) <= 1e-4 * max(1, abs(output)))
      }
    }
    #expect(worst < 1e-4, "worst relative error of dx \(worst)")
  }

  @Test func batchNormInferenceUsesRunningStatistics() {
    let bn = BatchNorm(channels: 2)
    bn.runningMean.assign([1, -1])
    bn.runningVariance.assign([4, 0.25])
    bn.gamma.assign([2, 1])
    bn.beta.assign([0, 3])
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
    y.fill(.nan)
    ReLU.forward(x, into: y)
    #expect(y.scalars == [0, 2, 0, 3])
    let dy = Tensor(shape: x.shape, scalars: [5, 6, 7, 8])
    let dx = Tensor(zeros: x.shape)
    dx.fill(.nan)
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
    y.fill(.nan)
    pool.forward(x, into: y)
    let dy = Tensor(normal: g.outputShape, using: &rng)
    let dx = Tensor(zeros: g.inputShape)
    dx.fill(.nan)
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
    y.fill(.nan)
    GlobalAveragePool.forward(x, into: y)
    #expect(y.scalars == [2.5, 25])
    let dx = Tensor(zeros: x.shape)
    dx.fill(.nan)
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
