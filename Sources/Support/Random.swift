import Foundation

/// A small, fast, seedable generator (SplitMix64) so weights and inputs are reproducible.
package struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// A generator whose sequence is fully determined by `seed`.
  package init(seed: UInt64) { self.state = seed }

  /// The next 64 random bits (SplitMix64 step: add the golden-ratio increment, then mix).
  package mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension RandomNumberGenerator {
  /// A standard normal sample (Box–Muller).
  package mutating func nextGaussian() -> Double {
    // Uniforms from the top 53 bits of a draw: Double.random(in:using:) is generic over the range's
    // bound type and ten times slower unspecialised (whole-network weights draw 25 M of these).
    var u1 = Double(next() >> 11) * 0x1p-53
    while u1 <= Double.leastNormalMagnitude { u1 = Double(next() >> 11) * 0x1p-53 }
    let u2 = Double(next() >> 11) * 0x1p-53
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}
