import Tensors

/// Tucker-2 of a k×k (or kh×kw) convolution weight by HOSVD over the two channel modes (paper equation 4).
///
/// With W in HWIO layout `[k, k, Cin, Cout]` (k² below stands for kh·kw): U_in = left singular vectors of the Cin-mode
/// unfolding (Cin × k²·Cout), U_out = those of the Cout-mode unfolding (Cout × k²·Cin), and the full
/// core G[s] = U_inᵀ·W[s]·U_out for every spatial position s. All three are computed once; ranks
/// (r1, r2) truncate them: the factors are U_in[:, :r1] (1×1 Cin→r1), G[:, :, :r1, :r2] (k×k
/// r1→r2) and U_out[:, :r2]ᵀ (1×1 r2→Cout). Cost: two `sgesdd` plus 2·k² GEMMs.
package struct Tucker2Decomposition: Sendable {
  /// Kernel height of the decomposed convolution.
  package let kernel: Int
  /// Kernel width (the height unless the kernel is not square).
  package let kernelWidth: Int
  package let inChannels: Int
  package let outChannels: Int
  /// Cin × pIn, row-major (pIn = min(Cin, k²·Cout)).
  package let inputBasis: [Float]
  /// pIn, the number of columns of `inputBasis`: the largest r1 available.
  package let inputRank: Int
  /// Cout × pOut, row-major (pOut = min(Cout, k²·Cin)).
  package let outputBasis: [Float]
  /// pOut, the number of columns of `outputBasis`: the largest r2 available.
  package let outputRank: Int
  /// `[k, k, pIn, pOut]` core.
  package let core: [Float]
  /// Mode singular values (for diagnostics).
  package let inputSingularValues: [Float]
  /// Mode-2 (output channel) singular values, for diagnostics.
  package let outputSingularValues: [Float]

  /// Decomposes a `[kh, kw, Cin, Cout]` weight.
  package init(weight: Tensor) throws(DecompositionError) {
    guard weight.rank == 4 else {
      throw .numerics("Tucker-2 needs a [kh, kw, Cin, Cout] weight, got \(weight.shape)")
    }
    let (k, cin, cout) = (weight.shape[0], weight.shape[2], weight.shape[3])
    kernel = k
    kernelWidth = weight.shape[1]
    inChannels = cin
    outChannels = cout
    let k2 = k * kernelWidth
    let w = weight.scalars
    // Cin-mode unfolding: row ci, column (s, co).
    var unfoldIn = [Float](repeating: 0, count: cin * k2 * cout)
    // Cout-mode unfolding: row co, column (s, ci).
    var unfoldOut = [Float](repeating: 0, count: cout * k2 * cin)
    for s in 0..<k2 {
      for ci in 0..<cin {
        for co in 0..<cout {
          let v = w[(s * cin + ci) * cout + co]
          unfoldIn[ci * k2 * cout + s * cout + co] = v
          unfoldOut[co * k2 * cin + s * cin + ci] = v
        }
      }
    }
    let svdIn: SingularValueDecomposition
    let svdOut: SingularValueDecomposition
    do {
      svdIn = try LAPACK.svd(unfoldIn, m: cin, n: k2 * cout)
      svdOut = try LAPACK.svd(unfoldOut, m: cout, n: k2 * cin)
    } catch {
      throw .numerics("HOSVD of the \(k)×\(kernelWidth) \(cin)→\(cout) weight failed: \(error)")
    }
    inputBasis = svdIn.u
    inputRank = svdIn.p
    outputBasis = svdOut.u
    outputRank = svdOut.p
    inputSingularValues = svdIn.s
    outputSingularValues = svdOut.s
    // Core: G[s] = U_inᵀ (pIn × Cin) · W[s] (Cin × Cout) · U_out (Cout × pOut).
    let uIn = Tensor(shape: [cin, svdIn.p], scalars: svdIn.u)
    let uOut = Tensor(shape: [cout, svdOut.p], scalars: svdOut.u)
    var g = [Float](repeating: 0, count: k2 * svdIn.p * svdOut.p)
    for s in 0..<k2 {
      let slice = Tensor(shape: [cin, cout], scalars: Array(w[(s * cin * cout)..<((s + 1) * cin * cout)]))
      let left = BLAS.matmul(uIn, slice, transposeA: true)
      let block = BLAS.matmul(left, uOut)
      let base = s * svdIn.p * svdOut.p
      for i in 0..<block.count { g[base + i] = block.scalars[i] }
    }
    core = g
  }

  /// U_in[:, :r1] as a `[1, 1, Cin, r1]` 1×1 weight.
  package func firstFactor(r1: Int) -> Tensor {
    Tensor(
      shape: [1, 1, inChannels, r1],
      scalars: Self.leadingColumns(inputBasis, rows: inChannels, columns: inputRank, take: r1))
  }

  /// U_out[:, :r2]ᵀ as a `[1, 1, r2, Cout]` 1×1 weight.
  package func lastFactor(r2: Int) -> Tensor {
    var v = [Float](repeating: 0, count: r2 * outChannels)
    for o in 0..<outChannels {
      for j in 0..<r2 { v[j * outChannels + o] = outputBasis[o * outputRank + j] }
    }
    return Tensor(shape: [1, 1, r2, outChannels], scalars: v)
  }

  /// The truncated core `[kh, kw, r1, r2]`.
  package func coreFactor(r1: Int, r2: Int) -> Tensor {
    let k2 = kernel * kernelWidth
    var c = [Float](repeating: 0, count: k2 * r1 * r2)
    for s in 0..<k2 {
      for i in 0..<r1 {
        for j in 0..<r2 { c[(s * r1 + i) * r2 + j] = core[(s * inputRank + i) * outputRank + j] }
      }
    }
    return Tensor(shape: [kernel, kernelWidth, r1, r2], scalars: c)
  }

  /// The branched core (paper §2.4) as a grouped-convolution weight `[k, k, r1/N, r2]`: output channel o of
  /// branch j = o / (r2/N) reads core inputs j·r1/N ..< (j+1)·r1/N; the off-diagonal blocks of the full core
  /// are dropped.
  ///
  /// N = 1 gives `coreFactor`.
  package func branchedCoreFactor(r1: Int, r2: Int, branches n: Int) -> Tensor {
    precondition(n >= 1 && r1 % n == 0 && r2 % n == 0, "branches must divide both ranks")
    let k2 = kernel * kernelWidth
    let (b1, b2) = (r1 / n, r2 / n)
    var c = [Float](repeating: 0, count: k2 * b1 * r2)
    for s in 0..<k2 {
      for o in 0..<r2 {
        let branch = o / b2
        for i in 0..<b1 {
          c[(s * b1 + i) * r2 + o] = core[(s * inputRank + branch * b1 + i) * outputRank + o]
        }
      }
    }
    return Tensor(shape: [kernel, kernelWidth, b1, r2], scalars: c)
  }

  /// W' = G_r ×_in U_in,r ×_out U_out,r as `[k, k, Cin, Cout]`; with `branches` only the diagonal
  /// core blocks contribute (the branched-Tucker weight).
  package func reconstruction(r1: Int, r2: Int, branches n: Int = 1) -> Tensor {
    let k2 = kernel * kernelWidth
    let uIn = Tensor(
      shape: [inChannels, r1],
      scalars: Self.leadingColumns(inputBasis, rows: inChannels, columns: inputRank, take: r1))
    let uOut = Tensor(
      shape: [outChannels, r2],
      scalars: Self.leadingColumns(outputBasis, rows: outChannels, columns: outputRank, take: r2))
    let (b1, b2) = (r1 / n, r2 / n)
    var w = [Float](repeating: 0, count: k2 * inChannels * outChannels)
    for s in 0..<k2 {
      var block = [Float](repeating: 0, count: r1 * r2)
      for i in 0..<r1 {
        for j in 0..<r2 where i / b1 == j / b2 {
          block[i * r2 + j] = core[(s * inputRank + i) * outputRank + j]
        }
      }
      let left = BLAS.matmul(uIn, Tensor(shape: [r1, r2], scalars: block))
      let full = BLAS.matmul(left, uOut, transposeB: true)
      for i in 0..<full.count { w[s * inChannels * outChannels + i] = full.scalars[i] }
    }
    return Tensor(shape: [kernel, kernelWidth, inChannels, outChannels], scalars: w)
  }

  static func leadingColumns(_ m: [Float], rows: Int, columns: Int, take: Int) -> [Float] {
    var out = [Float](repeating: 0, count: rows * take)
    for r in 0..<rows {
      for c in 0..<take { out[r * take + c] = m[r * columns + c] }
    }
    return out
  }
}
