import Geometry
import Kernels
import Support
import Tensors
import Testing

/// Convolution shapes under test: batch, size, Cin, Cout, kernel, stride, padding and groups.
let convShapes: [ConvGeometry] = [
  ConvGeometry(batch: 1, height: 5, width: 5, inChannels: 4, outChannels: 6),
  ConvGeometry(batch: 3, height: 6, width: 5, inChannels: 8, outChannels: 4, kernel: 1, groups: 2),
  ConvGeometry(batch: 2, height: 7, width: 7, inChannels: 6, outChannels: 8, kernel: 1, stride: 2),
  ConvGeometry(batch: 1, height: 6, width: 6, inChannels: 4, outChannels: 5, kernel: 3, padding: 0),
  ConvGeometry(batch: 3, height: 5, width: 6, inChannels: 3, outChannels: 4, kernel: 3, padding: 1),
  ConvGeometry(
    batch: 2, height: 8, width: 8, inChannels: 4, outChannels: 6, kernel: 3, stride: 2, padding: 1),
  ConvGeometry(
    batch: 1, height: 9, width: 9, inChannels: 8, outChannels: 8, kernel: 3, padding: 1, groups: 2),
  ConvGeometry(
    batch: 3, height: 6, width: 6, inChannels: 8, outChannels: 12, kernel: 3, stride: 2, padding: 1, groups: 4
  ),
  ConvGeometry(
    batch: 1, height: 11, width: 11, inChannels: 3, outChannels: 4, kernel: 7, stride: 2, padding: 3),
  ConvGeometry(batch: 2, height: 4, width: 4, inChannels: 4, outChannels: 4, kernel: 3, padding: 3),
  // Non-square kernels (an imported 1×7 / 7×1, as Inception's).
  ConvGeometry(batch: 2, height: 5, width: 9, inChannels: 4, outChannels: 6, kernel: 1, kernelWidth: 7),
  ConvGeometry(
    batch: 1, height: 9, width: 6, inChannels: 6, outChannels: 4, kernel: 3, kernelWidth: 1, stride: 2,
    padding: 1, groups: 2),
  .linear(batch: 3, inFeatures: 7, outFeatures: 5),
]

@Suite("Conv2D against naive loops")
struct Conv2DTests {
  /// im2col block sizes: 7 rows (many blocks and a remainder) and automatic (one block here).
  static let blockRows: [Int?] = [7, nil]

  @Test(
    "a fused ReLU gives max(conv(x) + b, 0), on the current library (the kernel reruns cover each)",
    arguments: convShapes)
  func fusedReLU(geometry: ConvGeometry) throws {
    var rng = SplitMix64(seed: 3)
    let plain = try Conv2D(geometry, bias: true, using: &rng)
    let bias = Tensor(normal: [geometry.outChannels], using: &rng)
    let fused = try Conv2D(geometry, weight: plain.weight.copy(), bias: bias.copy(), relu: true)
    let unfused = try Conv2D(geometry, weight: plain.weight.copy(), bias: bias.copy())
    let x = Tensor(normal: geometry.inputShape, using: &rng)
    let (y, z) = (Tensor(zeros: geometry.outputShape), Tensor(zeros: geometry.outputShape))
    fused.forward(x, into: y)
    unfused.forward(x, into: z)
    let expected = z.scalars.map { max($0, 0) }
    #expect(y.scalars.contains(0) && y.scalars.allSatisfy { $0 >= 0 })
    #expect(zip(y.scalars, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
  }

  @Test("forward", arguments: convShapes, blockRows)
  func forward(geometry: ConvGeometry, blockRows: Int?) throws {
    var rng = SplitMix64(seed: 1)
    let conv = try Conv2D(geometry, blockRows: blockRows, using: &rng)
    let x = Tensor(normal: geometry.inputShape, using: &rng)
    let y = Tensor(zeros: geometry.outputShape)
    y.fill(.nan)  // garbage: every element must be written
    conv.forward(x, into: y)
    let expected = Reference.convForward(geometry, x: x, w: conv.weight)
    #expect(y.relativeError(to: expected) < 1e-5, "\(geometry)")
  }

  /// The detour around OpenBLAS's allocating small-matrix kernel (forced here on every core).
  @Test("forward through the padded GEMM", arguments: convShapes, blockRows)
  func forwardDetour(geometry: ConvGeometry, blockRows: Int?) throws {
    var rng = SplitMix64(seed: 1)
    let conv = try Conv2D(
      geometry, weight: Tensor(normal: geometry.weightShape, using: &rng), blockRows: blockRows, detour: true)
    let x = Tensor(normal: geometry.inputShape, using: &rng)
    let y = Tensor(zeros: geometry.outputShape)
    y.fill(.nan)
    conv.forward(x, into: y)
    let expected = Reference.convForward(geometry, x: x, w: conv.weight)
    #expect(y.relativeError(to: expected) < 1e-5, "\(geometry)")
  }

  @Test(
    "backward data and weights", arguments: convShapes,
    [(false, 7), (false, nil), (true, 7)] as [(Bool, Int?)])
  func backward(geometry: ConvGeometry, options: (retain: Bool, blockRows: Int?)) throws {
    var rng = SplitMix64(seed: 2)
    let conv = try Conv2D(geometry, retainColumns: options.retain, blockRows: options.blockRows, using: &rng)
    let x = Tensor(normal: geometry.inputShape, using: &rng)
    let dy = Tensor(normal: geometry.outputShape, using: &rng)
    let y = Tensor(zeros: geometry.outputShape)
    let dx = Tensor(normal: geometry.inputShape, using: &rng)  // garbage: must be overwritten
    conv.forward(x, into: y)
    conv.backwardData(dy, into: dx)
    conv.backwardWeights(input: x, gradient: dy, reusingForwardColumns: true)
    let expected = Reference.convBackward(geometry, x: x, w: conv.weight, dy: dy)
    #expect(dx.relativeError(to: expected.dx) < 1e-5, "dx \(geometry)")
    #expect(conv.weightGradient.relativeError(to: expected.dw) < 1e-5, "dW \(geometry)")
    // Without reuse the columns are packed again and the result is the same.
    let other = Tensor(normal: geometry.inputShape, using: &rng)
    conv.forward(other, into: y)
    conv.backwardWeights(input: x, gradient: dy)
    #expect(conv.weightGradient.relativeError(to: expected.dw) < 1e-5, "dW repacked \(geometry)")
  }

  @Test func linearWithBias() throws {
    var rng = SplitMix64(seed: 3)
    let g = ConvGeometry.linear(batch: 4, inFeatures: 6, outFeatures: 3)
    let conv = try Conv2D(g, bias: true, using: &rng)
    conv.bias!.assign([0.5, -1, 2])
    let x = Tensor(normal: g.inputShape, using: &rng)
    let y = Tensor(zeros: g.outputShape)
    conv.forward(x, into: y)
    #expect(y.relativeError(to: Reference.convForward(g, x: x, w: conv.weight, bias: conv.bias)) < 1e-5)
    let dy = Tensor(normal: g.outputShape, using: &rng)
    conv.backwardWeights(input: x, gradient: dy)
    for o in 0..<3 {
      let expected = (0..<4).reduce(Float(0)) { $0 + dy[$1, 0, 0, o] }
      #expect(abs(conv.biasGradient![o] - expected) < 1e-5)
    }
  }

  @Test func finiteDifferencesAgreeWithBackward() throws {
    // Loss L = Σ y·r for a fixed random r, so ∂L/∂y = r.
    var rng = SplitMix64(seed: 4)
    let g = ConvGeometry(
      batch: 2, height: 5, width: 5, inChannels: 3, outChannels: 4, kernel: 3, stride: 2, padding: 1)
    let conv = try Conv2D(g, using: &rng)
    let x = Tensor(normal: g.inputShape, using: &rng)
    let r = Tensor(normal: g.outputShape, using: &rng)
    let y = Tensor(zeros: g.outputShape)
    func loss() -> Double {
      conv.forward(x, into: y)
      return dot(y, r)
    }
    _ = loss()
    let dx = Tensor(zeros: g.inputShape)
    conv.backwardData(r, into: dx)
    for index in [0, 7, 31, x.count - 1] {
      let numeric = numericGradient(of: loss, at: index, in: x)
      #expect(abs(numeric - Double(dx.scalars[index])) < 1e-2 * max(1, abs(numeric)))
    }
  }

  @Test func invalidGeometryIsATypedError() {
    let bad = ConvGeometry(batch: 1, height: 4, width: 4, inChannels: 6, outChannels: 4, kernel: 3, groups: 4)
    #expect(throws: KernelError.self) { try Conv2D(bad, weight: Tensor(zeros: [3, 3, 1, 4])) }
    let tooBig = ConvGeometry(batch: 1, height: 2, width: 2, inChannels: 1, outChannels: 1, kernel: 5)
    #expect(throws: KernelError.self) { try Conv2D(tooBig, weight: Tensor(zeros: tooBig.weightShape)) }
    let fine = ConvGeometry(batch: 1, height: 4, width: 4, inChannels: 4, outChannels: 4, kernel: 3)
    #expect(throws: KernelError.self) { try Conv2D(fine, weight: Tensor(zeros: [3, 3, 4, 5])) }
  }
}
