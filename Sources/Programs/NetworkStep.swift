import Kernels

/// How a backward step writes a gradient into a slot that several consumers feed: the first writer
/// (in backward order) overwrites, later ones add; `none` when no gradient is needed (the image).
enum GradientWrite: Sendable {
  case none
  case overwrite
  case accumulate
}

/// A convolution (or linear) factor of the network: its kernel and the slots it reads and writes.
final class ConvStep {
  let kernel: Conv2D
  let input: Int
  let output: Int
  /// False for frozen factors: no weight gradient, no update.
  let trainable: Bool
  var inputGradient: GradientWrite = .overwrite

  init(kernel: Conv2D, input: Int, output: Int, trainable: Bool) {
    self.kernel = kernel
    self.input = input
    self.output = output
    self.trainable = trainable
  }
}

/// A batch norm, with the ReLU after it and (at a block's end) the residual add before the ReLU,
/// fused into its passes over memory.
final class NormStep {
  let norm: BatchNorm
  let input: Int
  let output: Int
  let relu: Bool
  /// The shortcut slot added before the ReLU (a block's last batch norm).
  let residual: Int?
  /// How the shortcut's gradient is written: `none` when its gradient tensor is this step's output
  /// gradient itself (a downsample shortcut: same values, no copy).
  var residualGradient: GradientWrite = .none

  init(norm: BatchNorm, input: Int, output: Int, relu: Bool, residual: Int?) {
    self.norm = norm
    self.input = input
    self.output = output
    self.relu = relu
    self.residual = residual
  }
}

/// One operation of a network program, in forward order.
enum NetworkStep {
  case conv(ConvStep)
  case norm(NormStep)
  case maxPool(MaxPool, input: Int, output: Int)
  case globalPool(input: Int, output: Int)
}

/// What a slice of a step's time is spent on, for the per-op-kind breakdown.
package enum OperationKind: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Convolution and linear GEMMs (forward, backward-data with its col2im, backward-weights).
  case gemm
  /// Packing im2col columns in the forward pass (timed separately on the same input).
  case im2col
  /// Batch norm with the ReLU and residual add fused into it (forward and backward).
  case batchNorm
  /// The block outputs' ReLU backward and the shortcut gradient copies.
  case residual
  /// Max-pool and global average pool.
  case pool
  /// Softmax cross-entropy and its gradient.
  case loss
  /// The SGD update of every trained weight.
  case update

  /// The kind's name as the time breakdown prints it.
  package var description: String {
    switch self {
    case .gemm: return "conv/linear GEMM"
    case .im2col: return "im2col"
    case .batchNorm: return "batch norm (+ReLU, +add)"
    case .residual: return "ReLU backward, shortcut gradients"
    case .pool: return "pooling"
    case .loss: return "loss"
    case .update: return "SGD update"
    }
  }
}
