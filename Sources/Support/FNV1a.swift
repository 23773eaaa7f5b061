/// FNV-1a, 64-bit: a fast, stable (across runs, processes and machines) hash of text, for seeds, digests and
/// keys.
///
/// Not cryptographic.
package enum FNV1a {
  /// The hash of `text`'s UTF-8 bytes.
  package static func hash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01b3
    }
    return hash
  }

  /// The hash as 16 lowercase hex digits.
  package static func hex(_ text: String) -> String {
    let digits = String(hash(text), radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
