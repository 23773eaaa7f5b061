import Foundation

/// The JSON encoders lrd-bench uses: sorted keys (stable diffs, stable plan digests), slashes
/// unescaped, non-finite numbers as the strings "inf", "-inf" and "nan".
package enum JSONCoding {
  /// Pretty-printed, for result files.
  package static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  /// One line per value, for journals.
  package static var compactEncoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }

  /// `value` as one line of compact JSON.
  package static func compactString(_ value: some Encodable) throws -> String {
    String(decoding: try compactEncoder.encode(value), as: UTF8.self)
  }

  /// The decoder matching both encoders.
  package static var decoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}
