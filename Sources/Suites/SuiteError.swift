/// A suite file that cannot be used: the file, the line and column, the key, and what is wrong.
public struct SuiteError: Error, Equatable, Sendable, CustomStringConvertible {
  public var file: String
  public var line: Int?
  public var column: Int?
  public var key: String?
  public var message: String

  public init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.key = key
    self.message = message
  }

  /// "suites/x.yaml:12:5: key 'layr': … ".
  public var description: String {
    var location = file
    if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
    return location + ": " + (key.map { "key '\($0)': " } ?? "") + message
  }
}
