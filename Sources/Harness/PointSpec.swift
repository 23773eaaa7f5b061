import Decomposition
import Machine
import Networks
import ONNX
import Profiling
import Programs

/// One measured configuration (docs/methods.md "How measurements are made"): layer, factorization, batch, mode, frozen
/// factors, thread config and cache state.
package struct PointSpec: Codable, Sendable, Hashable, CustomStringConvertible {
  /// The model the layer belongs to.
  package var model: ResNetModel
  /// The layer's torchvision name.
  package var layer: String
  /// Original, SVD, Tucker-2 or branched Tucker-2, with ranks.
  package var factorization: Factorization
  package var batch: Int
  package var mode: Mode
  /// Which factors are frozen in training.
  package var frozen: FrozenFactors
  /// The thread config measured.
  package var threads: ThreadConfig
  /// Warm or cold caches before each sample.
  package var cache: CacheState
  /// The ONNX file the layer comes from (its real weights); nil for the catalog model's layer with random weights.
  package var onnx: ModelFile?

  /// A point; nothing frozen and warm caches by default.
  package init(
    model: ResNetModel, layer: String, factorization: Factorization, batch: Int, mode: Mode,
    frozen: FrozenFactors = .none, threads: ThreadConfig, cache: CacheState = .warm, onnx: ModelFile? = nil
  ) {
    self.model = model
    self.layer = layer
    self.factorization = factorization
    self.batch = batch
    self.mode = mode
    self.frozen = frozen
    self.threads = threads
    self.cache = cache
    self.onnx = onnx
  }

  /// One line: layer, factorization, batch, mode, frozen factors, threads and cache state.
  package var description: String {
    "\(layer) \(factorization) b\(batch) \(mode)" + (frozen == .none ? "" : " frozen=\(frozen)")
      + " \(threads.label)" + (cache == .warm ? "" : " cold")
  }
}
