/// Seeds of the random weights: one stable seed per layer name, so every program of the same model
/// (a single layer in a sweep, the whole network in `model`) draws the same original weights.
public enum LayerSeed {
  /// FNV-1a of the layer name.
  public static func of(_ name: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in name.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }
}
