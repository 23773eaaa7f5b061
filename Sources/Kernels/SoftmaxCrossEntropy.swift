import Tensors

#if canImport(Glibc)
  import Glibc
#endif

/// Softmax cross-entropy over a batch of logits `[B, 1, 1, classes]` (or `[B, classes]`) with integer
/// labels: the training loss of a classifier.
///
/// Loss = mean over the batch of −log softmax(z)[label]; gradient dL/dz = (softmax(z) − onehot) / B,
/// written into `gradient` (which may not be `logits`). Max-subtracted for stability; accumulated in
/// Double per row. Allocation-free.
package enum SoftmaxCrossEntropy {
  /// The mean loss, with dL/dlogits written into `gradient`.
  package static func lossAndGradient(logits: Tensor, labels: [Int32], gradient: Tensor) -> Double {
    precondition(logits.count == gradient.count && logits !== gradient, "softmax: bad buffers")
    let batch = labels.count
    precondition(
      batch > 0 && logits.count % batch == 0, "softmax: \(logits.count) logits for \(batch) labels")
    let classes = logits.count / batch
    var total = 0.0
    logits.withUnsafeBufferPointer { z in
      gradient.withUnsafeMutableBufferPointer { g in
        labels.withUnsafeBufferPointer { y in
          for b in 0..<batch {
            let row = z.baseAddress! + b * classes
            var largest = -Float.infinity
            for c in 0..<classes { largest = max(largest, row[c]) }
            var sum = 0.0
            for c in 0..<classes { sum += Double((row[c] - largest).exp()) }
            let label = Int(y[b])
            total += log(sum) - Double(row[label] - largest)
            let out = g.baseAddress! + b * classes
            let scale = 1 / (sum * Double(batch))
            for c in 0..<classes { out[c] = Float(Double((row[c] - largest).exp()) * scale) }
            out[label] -= 1 / Float(batch)
          }
        }
      }
    }
    return total / Double(batch)
  }
}

extension Float {
  /// e^self (Glibc's expf through Foundation-free arithmetic).
  @inline(__always)
  fileprivate func exp() -> Float { Float(_exp(Double(self))) }
}

@inline(__always)
private func _exp(_ x: Double) -> Double {
  #if canImport(Glibc)
    return Glibc.exp(x)
  #else
    return Foundation.exp(x)
  #endif
}
