import Networks
import Tensors

/// A ResNet bottleneck whose 3×3 `conv2` is Tucker-2 decomposed and whose two inner 1×1 factors are
/// merged into `conv1` and `conv3` (paper §2.3, docs/methods.md "Numerics"): three convolutions, narrower inside.
///
/// conv1 (1×1 Cin→w, weight A: Cin×w), conv2 ≈ (U_in, core, U_out), conv3 (1×1 w→4w, weight C).
/// Merged (row-vector convention, x·W): conv1' = A·U_in,r1 (Cin→r1), core (r1→r2, conv2's stride),
/// conv3' = U_out,r2ᵀ·C (r2→4w). BN1/ReLU follow conv1' (r1 channels) and BN2/ReLU the core (r2), as
/// in the original block; without those ReLUs the merged linear map equals conv3∘conv2'∘conv1, with
/// conv2' the Tucker-2 reconstruction (exact at full rank).
package struct MergedBottleneck {
  /// conv1' = A·U_in,r1: 1×1 Cin→r1.
  package var conv1: FactorLayer
  /// The Tucker-2 core: k×k r1→r2 with conv2's stride and padding.
  package var core: FactorLayer
  /// conv3' = U_out,r2ᵀ·C: 1×1 r2→4w.
  package var conv3: FactorLayer

  /// The merged block's three layer shapes (conv1' Cin→r1, core r1→r2 with conv2's stride and
  /// `branches` groups, conv3' r2→4w), named `<conv1>`, `<conv2>[core]` (`[core/N]` branched), `<conv3>`.
  package static func shapes(
    conv1: LayerSpec, conv2: LayerSpec, conv3: LayerSpec, r1: Int, r2: Int, branches: Int = 1
  ) -> [LayerSpec] {
    var spec1 = conv1
    spec1.shape.outChannels = r1
    var core = conv2
    core.shape.inChannels = r1
    core.shape.outChannels = r2
    core.shape.groups = branches
    core.name += branches > 1 ? "[core/\(branches)]" : "[core]"
    var spec3 = conv3
    spec3.shape.inChannels = r2
    return [spec1, core, spec3]
  }

  /// Merges the block's layers (`conv1`, `conv2`, `conv3` specs and weights) at ranks (r1, r2); with
  /// `branches` N > 1 the core is the branched (grouped) Tucker-2 core (N divides r1 and r2).
  package init(
    conv1: (spec: LayerSpec, weight: Tensor), conv2: LayerDecomposer,
    conv3: (spec: LayerSpec, weight: Tensor),
    r1: Int, r2: Int, branches: Int = 1
  ) throws(DecompositionError) {
    let factorization: Factorization =
      branches > 1 ? .branched(r1: r1, r2: r2, branches: branches) : .tucker2(r1: r1, r2: r2)
    try factorization.validate(for: conv2.layer)
    let width = conv2.layer.inChannels
    guard conv1.spec.outChannels == width, conv3.spec.inChannels == conv2.layer.outChannels,
      conv1.spec.shape.hasOneByOneKernel, conv3.spec.shape.hasOneByOneKernel
    else {
      throw .numerics("\(conv1.spec.name), \(conv2.layer.name), \(conv3.spec.name) do not form a bottleneck")
    }
    let tucker = try conv2.tucker2()
    let a = Tensor(shape: [conv1.spec.inChannels, width], scalars: conv1.weight.scalars)
    let uIn = tucker.firstFactor(r1: r1)
    let merged1 = BLAS.matmul(a, Tensor(shape: [width, r1], scalars: uIn.scalars))
    let uOutT = tucker.lastFactor(r2: r2)
    let c = Tensor(shape: [conv3.spec.inChannels, conv3.spec.outChannels], scalars: conv3.weight.scalars)
    let merged3 = BLAS.matmul(Tensor(shape: [r2, conv2.layer.outChannels], scalars: uOutT.scalars), c)
    let specs = Self.shapes(
      conv1: conv1.spec, conv2: conv2.layer, conv3: conv3.spec, r1: r1, r2: r2, branches: branches)
    self.conv1 = FactorLayer(
      spec: specs[0], weight: Tensor(shape: [1, 1, specs[0].inChannels, r1], scalars: merged1.scalars))
    self.core = FactorLayer(
      spec: specs[1],
      weight: branches > 1
        ? tucker.branchedCoreFactor(r1: r1, r2: r2, branches: branches) : tucker.coreFactor(r1: r1, r2: r2))
    self.conv3 = FactorLayer(
      spec: specs[2], weight: Tensor(shape: [1, 1, r2, specs[2].outChannels], scalars: merged3.scalars))
  }

  /// The three layers in execution order.
  package var layers: [FactorLayer] { [conv1, core, conv3] }

  /// Parameters of the three convolutions (batch norm excluded).
  package var parameterCount: Int { layers.reduce(0) { $0 + $1.spec.parameterCount } }
}
