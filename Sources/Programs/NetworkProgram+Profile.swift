import Kernels

/// Where one step's time goes, by operation kind (seconds per step, averaged over the profiled steps).
package struct OperationBreakdown: Codable, Sendable, Equatable {
  /// Seconds per step by kind, in `OperationKind` order (kinds with no time omitted).
  package var seconds: [Kind]
  package var steps: Int

  /// Time of one operation kind.
  package struct Kind: Codable, Sendable, Equatable {
    package var kind: OperationKind
    package var seconds: Double
  }

  /// No step profiled (a run stopped by a signal profiles nothing).
  package static let none = OperationBreakdown(seconds: [], steps: 0)

  /// The sum of all kinds (the profiled step's time, clock readings included).
  package var total: Double { seconds.reduce(0) { $0 + $1.seconds } }

  /// The fraction of `total` spent on `kind`.
  package func fraction(_ kind: OperationKind) -> Double {
    (seconds.first { $0.kind == kind }?.seconds ?? 0) / total
  }
}

extension NetworkProgram {
  /// Runs `steps` steps reading `clock` (nanoseconds) around every operation and returns the time per
  /// operation kind.
  ///
  /// Separate from timing (the clock readings cost ~30 ns each, negligible against the operations, but they
  /// are not part of a timed step). im2col is estimated by packing each convolution's columns once more on
  /// the same input before its forward pass; the rest of the forward convolution counts as GEMM.
  package func profile(steps count: Int, clock: () -> UInt64) -> OperationBreakdown {
    var totals = [UInt64](repeating: 0, count: OperationKind.allCases.count)
    func charge(_ kind: OperationKind, _ body: () -> Void) {
      let start = clock()
      body()
      let elapsed = clock() &- start
      totals[OperationKind.allCases.firstIndex(of: kind)!] &+= elapsed
    }
    for _ in 0..<max(count, 1) {
      for index in steps.indices {
        switch steps[index] {
        case .conv(let step):
          if !step.kernel.geometry.readsInputAsGEMMOperand {
            let start = clock()
            step.kernel.packColumns(slots[step.input])
            let packing = clock() &- start
            totals[OperationKind.allCases.firstIndex(of: .im2col)!] &+= packing
            let forwardStart = clock()
            forward(index)
            let elapsed = clock() &- forwardStart
            totals[OperationKind.allCases.firstIndex(of: .gemm)!] &+=
              elapsed > packing ? elapsed - packing : 0
          } else {
            charge(.gemm) { forward(index) }
          }
        case .norm:
          charge(.batchNorm) { forward(index) }
        case .maxPool, .globalPool:
          charge(.pool) { forward(index) }
        }
      }
      guard mode == .training else { continue }
      charge(.loss) { computeLoss() }
      var index = steps.count - 1
      while index >= 0 {
        switch steps[index] {
        case .conv:
          charge(.gemm) { backward(index) }
        case .norm(let step):
          charge(.residual) { backwardResidual(step) }
          charge(.batchNorm) { backwardNorm(step) }
        case .maxPool, .globalPool:
          charge(.pool) { backward(index) }
        }
        index -= 1
      }
      charge(.update) { update() }
    }
    let n = Double(max(count, 1))
    return OperationBreakdown(
      seconds: zip(OperationKind.allCases, totals).compactMap { kind, nanoseconds in
        nanoseconds == 0 ? nil : .init(kind: kind, seconds: Double(nanoseconds) / 1e9 / n)
      },
      steps: max(count, 1))
  }
}
