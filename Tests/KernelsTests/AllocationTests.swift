import CAllocationCounter
import Geometry
import Kernels
import Tensors
import Testing

@Suite("Kernels do not allocate", .serialized)
struct AllocationTests {
  @Test func counterSeesSwiftAllocations() {
    lrd_alloc_thread_start()
    let array = [Int](repeating: 1, count: Int.random(in: 1000...2000))
    let count = lrd_alloc_thread_stop()
    #expect(array.count >= 1000)
    #expect(count >= 1, "the allocation counter did not see an Array allocation")
  }

  @Test(
    "no heap allocation in forward, backward and update",
    .enabled(
      if: BLAS.backend == .openblas,
      "OpenBLAS backend (BLIS 0.9 mallocs its thread communicators inside every bli_sgemm call, oneDNN 2.6 allocates inside every dnnl_primitive_execute; their points report allocations per call)"
    ),
    arguments: [
      ConvGeometry(batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 16),
      ConvGeometry(batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 32, kernel: 3, padding: 1),
      ConvGeometry(
        batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 16, kernel: 3, stride: 2, padding: 1,
        groups: 4),
      ConvGeometry(batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 32, kernel: 1, stride: 2),
    ])
  func kernelCallsDoNotAllocate(geometry: ConvGeometry) throws {
    // OpenBLAS 0.3.21's threaded level-3 driver mallocs its job table (MAX_THREADS entries, 512 KiB)
    // on every multi-threaded GEMM; with one thread it does not, so this isolates lrd-bench's own code.
    let threads = BLAS.threads
    BLAS.setThreads(1)
    defer { BLAS.setThreads(threads) }
    var rng = SplitMix64(seed: 5)
    let conv = try Conv2D(geometry, using: &rng)
    let x = Tensor(normal: geometry.inputShape, using: &rng)
    let y = Tensor(zeros: geometry.outputShape)
    let dx = Tensor(zeros: geometry.inputShape)
    let norm = BatchNorm(channels: geometry.outChannels)
    let z = Tensor(zeros: geometry.outputShape)
    let dy = Tensor(normal: geometry.outputShape, using: &rng)
    let g = Tensor(zeros: geometry.outputShape)
    // One untimed round first: OpenBLAS and the runtime may allocate lazily on first use.
    func step() {
      conv.forward(x, into: y)
      norm.forwardTraining(y, into: z)
      ReLU.forward(z, into: z)
      ReLU.backward(output: z, gradient: dy, into: g)
      norm.backward(input: y, gradient: g, into: g)
      conv.backwardData(g, into: dx)
      conv.backwardWeights(input: x, gradient: g, reusingForwardColumns: true)
      SGD.update(conv.weight, gradient: conv.weightGradient, learningRate: 0.01)
      norm.forwardInference(y, into: z)
    }
    step()
    lrd_alloc_thread_start()
    for _ in 0..<3 { step() }
    let allocations = lrd_alloc_thread_stop()
    #expect(allocations == 0, "\(allocations) heap allocations in 3 training steps of \(geometry)")
  }
}
