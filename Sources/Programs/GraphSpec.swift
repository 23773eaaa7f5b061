/// A network as a list of operations over activation slots, in forward order: what an imported (ONNX) model
/// runs, independent of the file format.
///
/// Slots hold NHWC activations; a flattened `[N, C]` is stored as `[N, 1, 1, C]`, so Flatten, Reshape,
/// Identity and Dropout after a 1×1 map are aliases of their input (the same tensor).
package struct GraphSpec: Sendable {
  /// One operation.
  package enum Operation: Sendable, Equatable {
    /// A convolution or linear layer, by name (its weights and factorization come from the program's maker).
    case layer(String)
    /// y = (x − mean)/√(variance + ε)·scale + shift per channel (inference, running statistics).
    case batchNorm(scale: [Float], shift: [Float], mean: [Float], variance: [Float], epsilon: Float)
    /// y = max(x, 0).
    case relu
    /// Max over k×k windows (stride, symmetric zero padding that never wins).
    case maxPool(kernel: Int, stride: Int, padding: Int)
    /// Mean over k×k windows; `countsPadding`: padded zeros count in the divisor.
    case averagePool(kernel: Int, stride: Int, padding: Int, countsPadding: Bool)
    /// Mean over H×W → `[N, 1, 1, C]`.
    case globalAveragePool
    /// Elementwise sum of the inputs (same shape).
    case add
    /// y = x + bias per channel (a constant operand of Add).
    case addBias([Float])
    /// Softmax over the channels.
    case softmax
    /// The input itself (no copy): Identity, Dropout, and Flatten or Reshape of a 1×1 map.
    case alias
    /// The map surrounded by `value` (rows above and below, columns left and right): padding with unequal
    /// sides, run before a convolution or pool that then pads nothing.
    case pad(top: Int, left: Int, bottom: Int, right: Int, value: Float)
  }

  /// An operation with the slots it reads and the one it writes.
  package struct Node: Sendable {
    package var operation: Operation
    package var inputs: [Int]
    package var output: Int
    /// The node's name in the file (for errors and profiles).
    package var name: String

    package init(operation: Operation, inputs: [Int], output: Int, name: String) {
      self.operation = operation
      self.inputs = inputs
      self.output = output
      self.name = name
    }
  }

  /// Each slot's NHWC shape at batch 1 (`[1, H, W, C]`).
  package var shapes: [[Int]]
  package var nodes: [Node]
  /// The image slot.
  package var input: Int
  /// The network output's slot.
  package var output: Int

  package init(shapes: [[Int]], nodes: [Node], input: Int, output: Int) {
    self.shapes = shapes
    self.nodes = nodes
    self.input = input
    self.output = output
  }
}
