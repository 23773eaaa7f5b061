import Tensors

/// Elementwise and reduction helpers on raw buffers (inner loops of the kernels; vectorised by the compiler
/// in release builds).
///
/// Pointers come from the caller's `withUnsafe…` closure.
enum Elementwise {
  /// `matrix[r, c] += vector[c]` for a row-major rows×columns matrix.
  static func addRowVector(
    _ vector: UnsafePointer<Float>, to matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int
  ) {
    for r in 0..<rows {
      let row = matrix + r * columns
      for c in 0..<columns { row[c] += vector[c] }
    }
  }

  /// `out[c] = Σ_r matrix[r, c]` for a row-major rows×columns matrix.
  static func sumRows(
    _ matrix: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>
  ) {
    out.update(repeating: 0, count: columns)
    for r in 0..<rows {
      let row = matrix + r * columns
      for c in 0..<columns { out[c] += row[c] }
    }
  }
}

/// Rectified linear unit, y = max(x, 0), elementwise on any shape.
package enum ReLU {
  /// y ← max(x, 0).
  ///
  /// `x` and `y` may be the same tensor.
  package static func forward(_ x: Tensor, into y: Tensor) {
    precondition(x.count == y.count, "ReLU: \(x.shape) vs \(y.shape)")
    if x === y {
      y.withUnsafeMutableBufferPointer { p in
        ElementwiseRegion.apply(.relu(x: p.baseAddress!, y: p.baseAddress!), count: p.count)
      }
      return
    }
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        ElementwiseRegion.apply(.relu(x: xp.baseAddress!, y: yp.baseAddress!), count: xp.count)
      }
    }
  }

  /// dx ← dy · [y > 0], from the ReLU output `y`.
  ///
  /// `dy` and `dx` may be the same tensor.
  package static func backward(output y: Tensor, gradient dy: Tensor, into dx: Tensor) {
    precondition(y.count == dy.count && dy.count == dx.count, "ReLU backward: size mismatch")
    precondition(y !== dx, "ReLU backward cannot overwrite its saved output")
    y.withUnsafeBufferPointer { yp in
      if dy === dx {
        dx.withUnsafeMutableBufferPointer { p in
          ElementwiseRegion.apply(
            .reluBackward(y: yp.baseAddress!, dy: p.baseAddress!, dx: p.baseAddress!), count: p.count)
        }
        return
      }
      dy.withUnsafeBufferPointer { gp in
        dx.withUnsafeMutableBufferPointer { p in
          ElementwiseRegion.apply(
            .reluBackward(y: yp.baseAddress!, dy: gp.baseAddress!, dx: p.baseAddress!), count: p.count)
        }
      }
    }
  }
}

/// The residual connection of a ResNet block, y = a + b.
package enum ResidualAdd {
  /// y ← y + x (in place on `y`).
  ///
  /// The backward pass is the identity on both inputs.
  package static func forward(adding x: Tensor, into y: Tensor) {
    precondition(x.count == y.count, "residual add: \(x.shape) vs \(y.shape)")
    precondition(x !== y, "residual add of a tensor to itself")
    x.withUnsafeBufferPointer { xp in
      y.withUnsafeMutableBufferPointer { yp in
        ElementwiseRegion.apply(.axpy(alpha: 1, x: xp.baseAddress!, y: yp.baseAddress!), count: xp.count)
      }
    }
  }
}

/// Plain stochastic gradient descent, W ← W − η·∂L/∂W.
package enum SGD {
  /// Applies one update in place.
  ///
  /// O(count), one `saxpy` per pool worker.
  package static func update(_ weight: Tensor, gradient: Tensor, learningRate: Float) {
    precondition(weight.count == gradient.count, "SGD: \(weight.shape) vs \(gradient.shape)")
    precondition(weight !== gradient, "SGD: weight and gradient are the same tensor")
    gradient.withUnsafeBufferPointer { gp in
      weight.withUnsafeMutableBufferPointer { wp in
        ElementwiseRegion.apply(
          .axpy(alpha: -learningRate, x: gp.baseAddress!, y: wp.baseAddress!), count: gp.count)
      }
    }
  }
}

extension ResidualAdd {
  /// The shortcut's share of the backward pass: dx ← dy, or dx += dy with `accumulate` (when the
  /// shortcut's input already received a gradient from another consumer).
  package static func backward(gradient dy: Tensor, into dx: Tensor, accumulate: Bool) {
    precondition(dy.count == dx.count && dy !== dx, "residual backward: \(dy.shape) vs \(dx.shape)")
    dy.withUnsafeBufferPointer { gp in
      dx.withUnsafeMutableBufferPointer { dp in
        if accumulate {
          ElementwiseRegion.apply(.axpy(alpha: 1, x: gp.baseAddress!, y: dp.baseAddress!), count: gp.count)
        } else {
          ElementwiseRegion.apply(.copy(x: gp.baseAddress!, y: dp.baseAddress!), count: gp.count)
        }
      }
    }
  }
}
