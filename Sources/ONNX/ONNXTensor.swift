import Foundation

/// A constant of the graph read as numbers: its shape (ONNX order) and values.
struct ONNXConstant {
  /// Dimensions as ONNX gives them (empty for a scalar).
  var dims: [Int]
  /// Every element as Float (weights) — integers are exact up to 2²⁴.
  var floats: [Float]
  /// Every element as Int (shapes, axes); empty unless the tensor holds integers.
  var ints: [Int]

  /// Elements of `dims` (1 for a scalar).
  var count: Int { dims.reduce(1, *) }
}

/// Reads `TensorProto`s: raw little-endian data, the typed fields, or external data files next to the model;
/// float32, float64, float16 and bfloat16 become Float, integer types become Int.
enum ONNXTensorReader {
  typealias DataType = Onnx_TensorProto.DataType

  /// Bytes per element of a numeric type; nil for types that are not numbers lrd-bench reads.
  static func elementSize(_ type: DataType) -> Int? {
    switch type {
    case .uint8, .int8, .bool: 1
    case .uint16, .int16, .float16, .bfloat16: 2
    case .float, .int32, .uint32: 4
    case .int64, .double, .uint64: 8
    default: nil
    }
  }

  /// The tensor's values; `directory` is where external data files are looked up.
  static func read(_ tensor: Onnx_TensorProto, file: String, directory: String) throws(ONNXError)
    -> ONNXConstant
  {
    let name = tensor.name.isEmpty ? "(unnamed)" : tensor.name
    let dims = tensor.dims.map(Int.init)
    guard dims.allSatisfy({ $0 >= 0 }) else {
      throw .tensorData(file: file, tensor: name, reason: "has a negative dimension \(dims)")
    }
    let count = dims.reduce(1, *)
    guard let type = DataType(rawValue: Int(tensor.dataType)), let size = elementSize(type) else {
      throw .tensorData(
        file: file, tensor: name,
        reason: "has data type \(tensor.dataType), not a number type lrd-bench reads")
    }
    let isInteger = ![.float, .double, .float16, .bfloat16].contains(type)
    var constant = ONNXConstant(dims: dims, floats: [], ints: [])
    if let bytes = try rawBytes(
      tensor, name: name, count: count, size: size, file: file, directory: directory)
    {
      constant.floats = decode(bytes, type: type, count: count)
      if type == .int64 {
        constant.ints = bytes.withUnsafeBytes { raw in
          (0..<count).map {
            Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)))
          }
        }
      } else if isInteger {
        constant.ints = constant.floats.map { Int($0) }
      }
      return constant
    }
    // The typed fields: float_data, double_data, int64_data, int32_data (which also holds 16-bit values).
    switch type {
    case .float: constant.floats = tensor.floatData
    case .double: constant.floats = tensor.doubleData.map(Float.init)
    case .int64: constant.floats = tensor.int64Data.map(Float.init)
    case .uint64, .uint32: constant.floats = tensor.uint64Data.map(Float.init)
    case .float16: constant.floats = tensor.int32Data.map { halfToFloat(UInt16(truncatingIfNeeded: $0)) }
    case .bfloat16:
      constant.floats = tensor.int32Data.map {
        Float(bitPattern: UInt32(UInt16(truncatingIfNeeded: $0)) << 16)
      }
    default: constant.floats = tensor.int32Data.map(Float.init)
    }
    if isInteger {
      constant.ints =
        type == .int64
        ? tensor.int64Data.map(Int.init)
        : [.uint64, .uint32].contains(type)
          ? tensor.uint64Data.map { Int(clamping: $0) } : tensor.int32Data.map(Int.init)
    }
    guard constant.floats.count == count else {
      throw .tensorData(
        file: file, tensor: name,
        reason: "holds \(constant.floats.count) values for its shape \(dims) of \(count)")
    }
    return constant
  }

  /// The tensor's bytes from `raw_data` or an external file (exactly count × size), or nil when the values are
  /// in the typed fields.
  static func rawBytes(
    _ tensor: Onnx_TensorProto, name: String, count: Int, size: Int, file: String, directory: String
  ) throws(ONNXError) -> Data? {
    let expected = count * size
    if tensor.dataLocation == .external {
      let entries = Dictionary(
        tensor.externalData.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
      guard let location = entries["location"], !location.isEmpty else {
        throw .externalData(file: file, tensor: name, reason: "names no file")
      }
      guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
        throw .externalData(file: file, tensor: name, reason: "is \(location), outside the model's directory")
      }
      let path = (directory as NSString).appendingPathComponent(location)
      guard let handle = FileHandle(forReadingAtPath: path) else {
        throw .externalData(file: file, tensor: name, reason: "file \(path) is missing")
      }
      defer { try? handle.close() }
      let offset = UInt64(entries["offset"].flatMap { UInt64($0) } ?? 0)
      let length = entries["length"].flatMap { Int($0) } ?? expected
      guard length == expected else {
        throw .externalData(
          file: file, tensor: name, reason: "holds \(length) bytes; its shape needs \(expected)")
      }
      let data: Data
      do {
        try handle.seek(toOffset: offset)
        data = try handle.read(upToCount: expected) ?? Data()
      } catch {
        throw .externalData(file: file, tensor: name, reason: "cannot be read from \(path): \(error)")
      }
      guard data.count == expected else {
        throw .externalData(
          file: file, tensor: name, reason: "file \(path) ends after \(data.count) of \(expected) bytes")
      }
      return data
    }
    guard !tensor.rawData.isEmpty else { return nil }
    guard tensor.rawData.count == expected else {
      throw .tensorData(
        file: file, tensor: name,
        reason: "holds \(tensor.rawData.count) bytes of data; its shape \(tensor.dims) needs \(expected)")
    }
    return tensor.rawData
  }

  /// Little-endian elements of `type` as Float.
  static func decode(_ bytes: Data, type: DataType, count: Int) -> [Float] {
    bytes.withUnsafeBytes { raw -> [Float] in
      func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
        T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
      }
      switch type {
      case .float: return (0..<count).map { Float(bitPattern: load(UInt32.self, $0)) }
      case .double: return (0..<count).map { Float(Double(bitPattern: load(UInt64.self, $0))) }
      case .float16: return (0..<count).map { halfToFloat(load(UInt16.self, $0)) }
      case .bfloat16: return (0..<count).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) }
      case .int64: return (0..<count).map { Float(load(Int64.self, $0)) }
      case .uint64: return (0..<count).map { Float(load(UInt64.self, $0)) }
      case .int32: return (0..<count).map { Float(load(Int32.self, $0)) }
      case .uint32: return (0..<count).map { Float(load(UInt32.self, $0)) }
      case .int16: return (0..<count).map { Float(load(Int16.self, $0)) }
      case .uint16: return (0..<count).map { Float(load(UInt16.self, $0)) }
      case .int8: return (0..<count).map { Float(load(Int8.self, $0)) }
      default: return (0..<count).map { Float(load(UInt8.self, $0)) }
      }
    }
  }

  /// IEEE 754 binary16 → Float (subnormals, infinities and NaN included).
  static func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits >> 15) << 31
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
    if exponent == 0 {
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    }
    return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | mantissa << 13)
  }
}
