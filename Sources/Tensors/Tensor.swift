import Support

/// A dense float32 tensor buffer with an explicit shape, stored row-major (last index fastest).
///
/// Activations use NHWC (`[batch, height, width, channels]`); weights of a k×k convolution use
/// HWIO (`[k, k, inChannels/groups, outChannels]`, so that with `groups == 1` they are the
/// `(k·k·Cin) × Cout` GEMM operand); matrices are `[rows, columns]`.
///
/// `Tensor` is a reference type on purpose: kernels own preallocated input, output and workspace
/// tensors and write into them in place, so a timed call never allocates or copies on write.
/// Element access goes through `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`; the
/// pointers never escape those closures.
package final class Tensor {
  package let shape: [Int]
  /// The elements, row-major.
  ///
  /// Read-only from outside: writes go through `withUnsafeMutableBufferPointer`, `assign(_:)` or the
  /// subscripts, so the count can never change after initialisation.
  package private(set) var scalars: [Float]

  /// A zero-filled tensor.
  ///
  /// Every page is touched here, so later use does not page-fault.
  package init(zeros shape: [Int]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in \(shape)")
    self.shape = shape
    self.scalars = [Float](repeating: 0, count: shape.reduce(1, *))
  }

  /// A tensor holding `scalars`; `scalars.count` must equal the product of `shape`.
  package init(shape: [Int], scalars: [Float]) {
    precondition(
      scalars.count == shape.reduce(1, *),
      "\(scalars.count) scalars do not fill shape \(shape)")
    self.shape = shape
    self.scalars = scalars
  }

  /// A tensor of independent normal samples with mean 0 and standard deviation `standardDeviation`.
  package convenience init<G: RandomNumberGenerator>(
    normal shape: [Int], standardDeviation: Float = 1, using generator: inout G
  ) {
    let count = shape.reduce(1, *)
    var values = [Float](repeating: 0, count: count)
    for i in 0..<count {
      values[i] = Float(generator.nextGaussian()) * standardDeviation
    }
    self.init(shape: shape, scalars: values)
  }

  /// He-normal weights (Kaiming, fan-in): std √(2/fan_in), with fan_in = the product of every extent
  /// but the last (k·k·Cin/groups for an HWIO weight `[k, k, Cin/groups, Cout]`).
  package convenience init<G: RandomNumberGenerator>(heNormal shape: [Int], using generator: inout G) {
    let fanIn = Float(max(shape.dropLast().reduce(1, *), 1))
    self.init(normal: shape, standardDeviation: (2 / fanIn).squareRoot(), using: &generator)
  }

  /// A tensor of uniform samples in [−bound, bound), fast (two floats per 64-bit draw, no transcendental
  /// functions): for activations and gradients, whose values do not affect timing.
  ///
  /// bound = √3 gives unit variance.
  package convenience init(uniform shape: [Int], bound: Float = 1.732_050_8, seed: UInt64) {
    let count = shape.reduce(1, *)
    var values = [Float](repeating: 0, count: count)
    var generator = SplitMix64(seed: seed)
    let scale = 2 * bound / Float(1 << 24)
    values.withUnsafeMutableBufferPointer { p in
      var i = 0
      while i < count {
        let bits = generator.next()
        p[i] = Float(bits & 0xFF_FFFF) * scale - bound
        if i + 1 < count { p[i + 1] = Float((bits >> 32) & 0xFF_FFFF) * scale - bound }
        i += 2
      }
    }
    self.init(shape: shape, scalars: values)
  }

  /// Calls `body` with the elements for reading (row-major); the pointer must not escape.
  package func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try scalars.withUnsafeBufferPointer(body)
  }

  /// Calls `body` with the elements for writing in place (no copy, no allocation); the pointer must not escape.
  package func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  )
    rethrows
    -> R
  {
    try scalars.withUnsafeMutableBufferPointer(body)
  }

  /// Replaces every element; `values.count` must equal `count`.
  package func assign(_ values: [Float]) {
    precondition(values.count == scalars.count, "\(values.count) values for a tensor of \(scalars.count)")
    scalars.withUnsafeMutableBufferPointer { target in
      for i in values.indices { target[i] = values[i] }
    }
  }

  /// The element at a row-major offset (bounds checked).
  package subscript(flat offset: Int) -> Float {
    get { scalars[offset] }
    set { scalars[offset] = newValue }
  }

  package var count: Int { scalars.count }

  package var rank: Int { shape.count }

  /// A deep copy (new storage).
  package func copy() -> Tensor { Tensor(shape: shape, scalars: scalars) }

  /// Sets every element to `value`.
  package func fill(_ value: Float) {
    scalars.withUnsafeMutableBufferPointer { buffer in buffer.update(repeating: value) }
  }

  /// Reads the element at a full multi-index (bounds checked; slow, meant for tests and setup).
  package subscript(_ index: Int...) -> Float {
    get { scalars[offset(index)] }
    set { scalars[offset(index)] = newValue }
  }

  /// Row-major offset of a full multi-index.
  package func offset(_ index: [Int]) -> Int {
    precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
    var result = 0
    for (axis, i) in index.enumerated() {
      precondition(i >= 0 && i < shape[axis], "index \(index) out of bounds for shape \(shape)")
      result = result * shape[axis] + i
    }
    return result
  }

  /// Frobenius norm ‖x‖₂, accumulated in double precision.
  package var norm: Double {
    var sum = 0.0
    for value in scalars { sum += Double(value) * Double(value) }
    return sum.squareRoot()
  }

  /// ‖self − other‖₂ / ‖other‖₂ (double accumulation); 0 when both are zero.
  package func relativeError(to other: Tensor) -> Double {
    precondition(count == other.count, "size mismatch: \(shape) vs \(other.shape)")
    var difference = 0.0
    var reference = 0.0
    for i in 0..<count {
      let d = Double(scalars[i]) - Double(other.scalars[i])
      difference += d * d
      reference += Double(other.scalars[i]) * Double(other.scalars[i])
    }
    if reference == 0 { return difference == 0 ? 0 : .infinity }
    return (difference / reference).squareRoot()
  }

  /// Whether every element is finite (no NaN, no ±∞).
  package var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }
}
