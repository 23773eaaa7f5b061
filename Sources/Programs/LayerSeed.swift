import Support

/// Seeds of the random weights: one stable seed per layer name, so every program of the same model
/// (a single layer in a sweep, the whole network in `model`) draws the same original weights.
package enum LayerSeed {
  /// FNV-1a of the layer name.
  package static func of(_ name: String) -> UInt64 { FNV1a.hash(name) }
}
