import Tensors

extension Conv2D {
  /// Sets `threading`: the strategy asked for, else `Threading.choice`; on `auto` with several workers both
  /// strategies run the forward pass on this shape (random input, 1 warm-up and 2 timed calls each,
  /// interleaved) and the library's threads are kept only when their slower call beats the pool's faster one
  /// by 10%: a brief measurement must not pick by chance the path whose speed depends on the machine's phase
  /// (see `Threading`).
  func chooseThreading(_ asked: ThreadingStrategy?) {
    if let asked {
      threading = asked
      threadingReason = "asked"
      return
    }
    switch Threading.choice {
    case .pool:
      threading = .pool
      threadingReason = "LRD_BENCH_THREADING=pool"
    case .library:
      threading = .library
      threadingReason = "LRD_BENCH_THREADING=library"
    case .auto:
      guard Threading.workers > 1 else {
        threading = .pool
        threadingReason = "one thread"
        return
      }
      let (pool, library) = timeStrategies()
      threading = library.slowest < 0.9 * pool.fastest ? .library : .pool
      threadingReason = String(
        format: "measured: pool %.3f ms, library %.3f ms", pool.fastest * 1e3, library.fastest * 1e3)
    }
  }

  /// The faster and slower of 2 forward calls (seconds) on each strategy, after one warm-up call each,
  /// interleaved.
  func timeStrategies() -> (
    pool: (fastest: Double, slowest: Double), library: (fastest: Double, slowest: Double)
  ) {
    let x = Tensor(uniform: inputShape, seed: 0x7EAD)
    let y = Tensor(zeros: outputShape)
    var best: [ThreadingStrategy: Double] = [.pool: .infinity, .library: .infinity]
    var worst: [ThreadingStrategy: Double] = [.pool: 0, .library: 0]
    let clock = ContinuousClock()
    for round in 0..<3 {
      for strategy in round % 2 == 0 ? [ThreadingStrategy.pool, .library] : [.library, .pool] {
        threading = strategy
        let start = clock.now
        forward(x, into: y)
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        if round > 0 {
          best[strategy] = min(best[strategy]!, seconds)
          worst[strategy] = max(worst[strategy]!, seconds)
        }
      }
    }
    packedInput = nil
    return ((best[.pool]!, worst[.pool]!), (best[.library]!, worst[.library]!))
  }
}

extension Conv2D {
  /// Fork-joins of threads in one forward call with the process's current thread count: 1 on the pool (one
  /// region), one per GEMM call on the library's threads (each block and group; none with one thread), 1 on
  /// oneDNN (one primitive execution).
  package var synchronizationsPerForward: Int {
    if dnnl != nil { return 1 }
    if threading == .pool { return poolWorkers > 1 ? 1 : 0 }
    guard BLAS.threads > 1 else { return 0 }
    let calls = geometry.readsInputAsGEMMOperand ? 1 : (geometry.gemmM + columnStride - 1) / columnStride
    return calls * geometry.groups
  }
}
