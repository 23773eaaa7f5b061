import CAllocationCounter
import Geometry
import Kernels
import Support
import Tensors
import Testing

/// Pointwise, 3×3 and strided grouped shapes that every allocation test covers.
private let allocationShapes: [ConvGeometry] = [
  ConvGeometry(batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 16),
  ConvGeometry(batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 32, kernel: 3, padding: 1),
  ConvGeometry(
    batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 16, kernel: 3, stride: 2, padding: 1,
    groups: 4),
]

@Suite("Kernels do not allocate", .serialized)
struct AllocationTests {
  @Test func counterSeesSwiftAllocations() {
    lrd_alloc_thread_start()
    // A count the optimizer cannot know, so the array is really allocated.
    let count = withExtendedLifetime([Int](repeating: 1, count: Int.random(in: 1000...2000))) {
      lrd_alloc_thread_stop()
    }
    #expect(count >= 1, "the allocation counter did not see an Array allocation")
    // A region that allocates nothing counts nothing.
    lrd_alloc_thread_start()
    let none = lrd_alloc_thread_stop()
    #expect(none == 0)
  }

  @Test(
    "no heap allocation in forward, backward and update",
    .enabled(
      if: BLAS.backend == .openblas,
      "OpenBLAS backend (BLIS 0.9 mallocs its thread communicators inside every bli_sgemm call, oneDNN 2.6 allocates inside every dnnl_primitive_execute; their points report allocations per call)"
    ),
    arguments: allocationShapes + [
      ConvGeometry(batch: 2, height: 8, width: 8, inChannels: 16, outChannels: 32, kernel: 1, stride: 2)
    ])
  func kernelCallsDoNotAllocate(geometry: ConvGeometry) throws {
    try trainingStepsDoNotAllocate(geometry, workers: 1, threading: .library)
  }

  /// The same steps on lrd-bench's worker pool with 2 and 3 workers: the calling thread and every worker
  /// (counted through the process-wide counter while nothing else runs; OpenBLAS is single-threaded inside
  /// the pool's regions, so its threaded driver's job table is never allocated).
  @Test(
    "no heap allocation on the worker pool",
    .enabled(if: BLAS.backend == .openblas, "OpenBLAS backend (see above)"),
    arguments: allocationShapes + [.linear(batch: 4, inFeatures: 64, outFeatures: 40)], [2, 3])
  func poolCallsDoNotAllocate(geometry: ConvGeometry, workers: Int) throws {
    try trainingStepsDoNotAllocate(geometry, workers: workers, threading: .pool)
  }

  func trainingStepsDoNotAllocate(_ geometry: ConvGeometry, workers: Int, threading: ThreadingStrategy) throws
  {
    // OpenBLAS 0.3.21's threaded level-3 driver mallocs its job table (MAX_THREADS entries, 512 KiB)
    // on every multi-threaded GEMM; with one library thread it does not, so this isolates lrd-bench's code.
    let threads = BLAS.threads
    BLAS.setThreads(workers)
    defer { BLAS.setThreads(threads) }
    var rng = SplitMix64(seed: 5)
    let conv = try Conv2D(
      geometry, weight: Tensor(heNormal: geometry.weightShape, using: &rng), threading: threading,
      workers: workers)
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
    step()
    lrd_alloc_thread_start()
    lrd_alloc_process_enable(1)
    let before = lrd_alloc_process_count()
    for _ in 0..<3 { step() }
    let process = lrd_alloc_process_count() - before
    lrd_alloc_process_enable(0)
    let allocations = lrd_alloc_thread_stop()
    #expect(allocations == 0, "\(allocations) heap allocations in 3 training steps of \(geometry)")
    if workers > 1 {
      // The process count also sees the test runner's own threads: a few stray allocations may be theirs,
      // but the kernels' 3 steps × several regions must not allocate per region.
      #expect(process < 3, "\(process) heap allocations in the process in 3 training steps of \(geometry)")
    }
  }
}
