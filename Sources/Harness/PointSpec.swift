import Decomposition
import Networks
import Profiling
import Programs

/// One measured configuration (DESIGN.md "point"): layer, factorization, batch, mode, frozen
/// factors, thread config and cache state.
public struct PointSpec: Codable, Sendable, Hashable, CustomStringConvertible {
  public var model: ResNetModel
  public var layer: String
  public var factorization: Factorization
  public var batch: Int
  public var mode: Mode
  public var frozen: FrozenFactors
  public var threads: ThreadConfig
  public var cache: CacheState

  public init(
    model: ResNetModel, layer: String, factorization: Factorization, batch: Int, mode: Mode,
    frozen: FrozenFactors = .none, threads: ThreadConfig, cache: CacheState = .warm
  ) {
    self.model = model
    self.layer = layer
    self.factorization = factorization
    self.batch = batch
    self.mode = mode
    self.frozen = frozen
    self.threads = threads
    self.cache = cache
  }

  public var description: String {
    "\(layer) \(factorization) b\(batch) \(mode)" + (frozen == .none ? "" : " frozen=\(frozen)")
      + " \(threads.label)" + (cache == .warm ? "" : " cold")
  }
}
