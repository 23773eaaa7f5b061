import CAllocationCounter
import Decomposition
import Kernels
import Networks
import Programs
import Tensors
import Testing

@Suite("Graph programs in training")
struct GraphProgramTrainingTests {
  /// A graph whose one slot is read by three kernels that overwrite their input gradients.
  ///
  /// x → pad (two rows below, a column on each side) → conv a (3×3, 2→4) → s; relu(s) + bn(s) + avgpool(s) in one add,
  /// then a global pool and a linear layer to 3 classes: all but the first of s's consumers add their gradient
  /// through scratch.
  static func graph() -> (GraphSpec, [String: FactorLayer]) {
    let shapes: [[Int]] = [
      [1, 6, 6, 2], [1, 6, 6, 4], [1, 6, 6, 4], [1, 6, 6, 4], [1, 6, 6, 4], [1, 6, 6, 4], [1, 1, 1, 4],
      [1, 1, 1, 3], [1, 8, 8, 2],
    ]
    let nodes: [GraphSpec.Node] = [
      .init(
        operation: .pad(top: 0, left: 1, bottom: 2, right: 1, value: 0), inputs: [0], output: 8, name: "pad"),
      .init(operation: .layer("a"), inputs: [8], output: 1, name: "a"),
      .init(operation: .relu, inputs: [1], output: 2, name: "relu"),
      .init(
        operation: .batchNorm(
          scale: [1, 0.5, 2, 1], shift: [0, 0.1, 0, -0.1], mean: [0, 0, 0, 0], variance: [1, 1, 1, 1],
          epsilon: 1e-5),
        inputs: [1], output: 3, name: "bn"),
      .init(
        operation: .averagePool(kernel: 3, stride: 1, padding: 1, countsPadding: false), inputs: [1],
        output: 4,
        name: "avg"),
      .init(operation: .add, inputs: [2, 3, 4], output: 5, name: "add"),
      .init(operation: .globalAveragePool, inputs: [5], output: 6, name: "gap"),
      .init(operation: .layer("fc"), inputs: [6], output: 7, name: "fc"),
    ]
    let a = LayerSpec(
      name: "a", kind: .convolution, role: .spatial, inChannels: 2, outChannels: 4, kernel: 3, stride: 1,
      padding: 0, inputHeight: 8, inputWidth: 8)
    let fc = LayerSpec(
      name: "fc", kind: .linear, role: .classifier, inChannels: 4, outChannels: 3, bias: true, inputHeight: 1,
      inputWidth: 1)
    return (
      GraphSpec(shapes: shapes, nodes: nodes, input: 0, output: 7),
      [
        "a": FactorLayer(spec: a, weight: Tensor(uniform: [3, 3, 2, 4], seed: 7)),
        "fc": FactorLayer(
          spec: fc, weight: Tensor(uniform: [1, 1, 4, 3], seed: 8), bias: Tensor(uniform: [3], seed: 9)),
      ]
    )
  }

  @Test("a slot read by several overwriting kernels gets the sum of their gradients (finite differences)")
  func gradientsOfSharedSlots() throws {
    let (graph, layers) = Self.graph()
    let program = try GraphProgram(spec: graph, batch: 3, step: .training, learningRate: 0) { [layers[$0]!] }
    program.computeGradients()
    let kernel = program.kernels[0]
    let gradient = kernel.weightGradient.scalars
    var checked = 0
    for index in stride(from: 0, to: gradient.count, by: 7) where abs(gradient[index]) > 1e-3 {
      let value = kernel.weight[flat: index]
      let h: Float = 1e-3
      kernel.weight[flat: index] = value + h
      let plus = program.currentLoss()
      kernel.weight[flat: index] = value - h
      let minus = program.currentLoss()
      kernel.weight[flat: index] = value
      let numeric = (plus - minus) / Double(2 * h)
      let analytic = Double(gradient[index])
      #expect(abs(numeric - analytic) <= 0.03 * abs(analytic) + 1e-3, "[\(index)] \(analytic) vs \(numeric)")
      checked += 1
    }
    #expect(checked >= 5)
  }

  @Test(
    "a step allocates nothing, inference and training",
    .enabled(if: BLAS.backend == .openblas, "OpenBLAS backend (BLIS and oneDNN allocate inside their calls)"),
    arguments: [Mode.inference, .training])
  func allocationFree(step: Mode) throws {
    let threads = BLAS.threads
    BLAS.setThreads(1)
    defer { BLAS.setThreads(threads) }
    let (graph, layers) = Self.graph()
    let program = try GraphProgram(spec: graph, batch: 2, step: step) { [layers[$0]!] }
    program.run()
    lrd_alloc_thread_start()
    for _ in 0..<2 { program.run() }
    let allocations = lrd_alloc_thread_stop()
    #expect(allocations == 0, "\(step): \(allocations) allocations")
  }
}
