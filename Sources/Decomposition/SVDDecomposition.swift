import Tensors

/// The SVD of a 1×1 convolution or linear weight, W (Cin×Cout, row-major) = U·diag(σ)·Vᵀ.
///
/// Computed once with LAPACK `sgesdd` and truncated for any rank (paper equations 1–3).
///
/// Rank-r factors split √σ into both sides: A = U_r·√Σ_r (Cin×r, the first 1×1 layer) and
/// B = √Σ_r·V_rᵀ (r×Cout, the second), so x·W ≈ (x·A)·B. Truncation error (Eckart–Young):
/// ‖W − A·B‖_F / ‖W‖_F = √(Σ_{i>r} σ_i²) / √(Σ σ_i²).
package struct SVDDecomposition: Sendable {
  /// Rows of W (input channels or features).
  package let inChannels: Int
  /// Columns of W (output channels or features).
  package let outChannels: Int
  /// The full thin SVD of W, truncated on demand.
  package let svd: SingularValueDecomposition

  /// Decomposes a `[1, 1, Cin, Cout]` or `[Cin, Cout]` weight.
  package init(weight: Tensor) throws(DecompositionError) {
    let shape = weight.shape.count == 4 ? Array(weight.shape.suffix(2)) : weight.shape
    guard shape.count == 2, weight.shape.count == 2 || (weight.shape[0] == 1 && weight.shape[1] == 1) else {
      throw .numerics("SVD needs a 1×1 or matrix weight, got \(weight.shape)")
    }
    inChannels = shape[0]
    outChannels = shape[1]
    do {
      svd = try LAPACK.svd(weight.scalars, m: inChannels, n: outChannels)
    } catch {
      throw .numerics("SVD of the \(inChannels)×\(outChannels) weight failed: \(error)")
    }
  }

  /// min(Cin, Cout).
  package var fullRank: Int { svd.p }

  /// The rank-r factors: A = U_r·√Σ_r as `[1, 1, Cin, r]` and B = √Σ_r·V_rᵀ as `[1, 1, r, Cout]`.
  package func factors(rank r: Int) -> (first: Tensor, second: Tensor) {
    precondition((1...fullRank).contains(r), "rank \(r) outside 1…\(fullRank)")
    let p = svd.p
    var a = [Float](repeating: 0, count: inChannels * r)
    var b = [Float](repeating: 0, count: r * outChannels)
    for j in 0..<r {
      let root = svd.s[j].squareRoot()
      for i in 0..<inChannels { a[i * r + j] = svd.u[i * p + j] * root }
      for o in 0..<outChannels { b[j * outChannels + o] = svd.vt[j * outChannels + o] * root }
    }
    return (
      Tensor(shape: [1, 1, inChannels, r], scalars: a), Tensor(shape: [1, 1, r, outChannels], scalars: b)
    )
  }

  /// A·B for rank r, shaped `[1, 1, Cin, Cout]`.
  package func reconstruction(rank r: Int) -> Tensor {
    let (a, b) = factors(rank: r)
    let product = BLAS.matmul(
      Tensor(shape: [inChannels, r], scalars: a.scalars), Tensor(shape: [r, outChannels], scalars: b.scalars))
    return Tensor(shape: [1, 1, inChannels, outChannels], scalars: product.scalars)
  }

  /// Eckart–Young relative error of the rank-r truncation, from the singular values.
  package func truncationError(rank r: Int) -> Double {
    var dropped = 0.0
    var total = 0.0
    for (i, s) in svd.s.enumerated() {
      let s2 = Double(s) * Double(s)
      total += s2
      if i >= r { dropped += s2 }
    }
    return total == 0 ? 0 : (dropped / total).squareRoot()
  }
}
