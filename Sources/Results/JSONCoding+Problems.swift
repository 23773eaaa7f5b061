import Foundation

extension JSONCoding {
  /// What went wrong reading a JSON file, in words: the field and the problem for a decoding error
  /// ("batch: expected a number"), the system's reason for a file error ("no such file"), never a
  /// Foundation error dump.
  package static func problem(_ error: any Error) -> String {
    func path(_ keys: [any CodingKey]) -> String {
      keys.isEmpty
        ? "the top level"
        : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case DecodingError.keyNotFound(let key, let context):
      return "\(path(context.codingPath + [key])) is missing"
    case DecodingError.typeMismatch(let type, let context):
      return "\(path(context.codingPath)): expected \(describe(type))"
    case DecodingError.valueNotFound(let type, let context):
      return "\(path(context.codingPath)): expected \(describe(type)), found null"
    case DecodingError.dataCorrupted(let context):
      return context.codingPath.isEmpty
        ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
    default:
      let ns = error as NSError
      if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
        underlying.domain == NSPOSIXErrorDomain
      {
        return String(cString: strerror(Int32(underlying.code))).lowercased()
      }
      if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))).lowercased() }
      if ns.domain == NSCocoaErrorDomain {
        switch ns.code {
        case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: return "permission denied"
        default: return "cannot be read (\(ns.localizedDescription))"
        }
      }
      return "\(error)"
    }
  }

  static func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Int.Type, is Int64.Type, is Double.Type, is Float.Type: return "a number"
    case is Bool.Type: return "true or false"
    default:
      let name = "\(type)"
      if name.hasPrefix("Array") { return "a list" }
      if name.hasPrefix("Dictionary") { return "an object" }
      return "a value of type \(name)"
    }
  }
}
