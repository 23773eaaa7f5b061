import Networks

/// How one layer is computed (docs/methods.md "Numerics").
///
/// * `original`: the layer itself.
/// * `svd(r)`: 1×1 Cin→r (carries the layer's stride) then 1×1 r→Cout (carries the bias).
/// * `tucker2(r1, r2)`: 1×1 Cin→r1, k×k core r1→r2 with the layer's stride and padding, 1×1 r2→Cout.
/// * `branched(r1, r2, n)`: Tucker-2 whose core is a grouped convolution with `n` groups
///   (`n` divides r1 and r2).
package enum Factorization: Hashable, Codable, Sendable, CustomStringConvertible {
  case original
  case svd(rank: Int)
  case tucker2(r1: Int, r2: Int)
  case branched(r1: Int, r2: Int, branches: Int)

  /// The command-line form: `original`, `svd:R`, `tucker2:R1,R2`, `branched:R1,R2,N`.
  package var description: String {
    switch self {
    case .original: return "original"
    case .svd(let r): return "svd:\(r)"
    case .tucker2(let r1, let r2): return "tucker2:\(r1),\(r2)"
    case .branched(let r1, let r2, let n): return "branched:\(r1),\(r2),\(n)"
    }
  }

  /// A short family name: "original", "svd", "tucker2", "branched".
  package var family: String {
    switch self {
    case .original: return "original"
    case .svd: return "svd"
    case .tucker2: return "tucker2"
    case .branched: return "branched"
    }
  }

  /// The swept rank: r for SVD, r1 for Tucker-2 and branched, nil for the original.
  package var primaryRank: Int? {
    switch self {
    case .original: return nil
    case .svd(let r): return r
    case .tucker2(let r1, _), .branched(let r1, _, _): return r1
    }
  }

  /// Parses the command-line form; throws `DecompositionError.unparsable` with the valid forms.
  package init(parsing text: String) throws(DecompositionError) {
    let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
    let numbers = parts.count == 2 ? parts[1].split(separator: ",").map { Int($0) } : []
    switch (parts.first, numbers.count) {
    case ("original", _) where parts.count == 1:
      self = .original
    case ("svd", 1):
      guard let r = numbers[0] else { throw .unparsable(text) }
      self = .svd(rank: r)
    case ("tucker2", 2):
      guard let r1 = numbers[0], let r2 = numbers[1] else { throw .unparsable(text) }
      self = .tucker2(r1: r1, r2: r2)
    case ("branched", 3):
      guard let r1 = numbers[0], let r2 = numbers[1], let n = numbers[2] else { throw .unparsable(text) }
      self = .branched(r1: r1, r2: r2, branches: n)
    default:
      throw .unparsable(text)
    }
  }

  /// Checks that this factorization fits `layer`: SVD only for 1×1 and linear layers, Tucker-2 and
  /// branched only for k×k (k > 1) convolutions, ranks within [1, full rank], branches dividing
  /// both ranks.
  package func validate(for layer: LayerSpec) throws(DecompositionError) {
    switch self {
    case .original:
      return
    case .svd(let r):
      guard layer.shape.hasOneByOneKernel else {
        throw .wrongFamily(layer: layer.name, factorization: self, hint: Self.hint(layer))
      }
      let full = min(layer.inChannels, layer.outChannels)
      guard (1...full).contains(r) else { throw .rankOutOfRange(layer: layer.name, rank: r, valid: 1...full) }
    case .tucker2(let r1, let r2), .branched(let r1, let r2, _):
      guard !layer.shape.hasOneByOneKernel, layer.groups == 1 else {
        throw .wrongFamily(layer: layer.name, factorization: self, hint: Self.hint(layer))
      }
      let k2 = layer.shape.kernelArea
      let full1 = min(layer.inChannels, k2 * layer.outChannels)
      let full2 = min(layer.outChannels, k2 * layer.inChannels)
      guard (1...full1).contains(r1) else {
        throw .rankOutOfRange(layer: layer.name, rank: r1, valid: 1...full1)
      }
      guard (1...full2).contains(r2) else {
        throw .rankOutOfRange(layer: layer.name, rank: r2, valid: 1...full2)
      }
      if case .branched(_, _, let n) = self {
        guard n >= 1 else { throw .badBranchCount(n) }
        guard r1 % n == 0, r2 % n == 0 else { throw .branchesDoNotDivide(r1: r1, r2: r2, branches: n) }
      }
    }
  }

  static func hint(_ layer: LayerSpec) -> String {
    if layer.shape.hasOneByOneKernel {
      let full = min(layer.inChannels, layer.outChannels)
      return
        "\(layer.name) is \(layer.kernel)×\(layer.shape.kernelWidth): use original or svd:R with 1 ≤ R ≤ \(full)"
    }
    return
      "\(layer.name) is \(layer.kernel)×\(layer.shape.kernelWidth): use original, tucker2:R1,R2 or branched:R1,R2,N"
  }
}
