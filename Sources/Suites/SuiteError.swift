import Support

/// A suite file that cannot be used: the file, the line and column, the key, and what is wrong.
package struct SuiteError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The suite file's path.
  package var file: String
  /// The line of the offending key or value (1-based), nil when the file as a whole is wrong.
  package var line: Int?
  /// The column (1-based), nil when unknown.
  package var column: Int?
  /// The offending key, nil when the problem is not one key.
  package var key: String?
  /// What is wrong and how to fix it.
  package var message: String

  /// An error at `file`, optionally at a line, column and key.
  package init(file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.key = key
    self.message = message
  }

  /// "suites/x.yaml:12:5: key 'layr': … ".
  package var description: String {
    var location = file
    if let line { location += ":\(line)" + (column.map { ":\($0)" } ?? "") }
    return location + ": " + (key.map { "key '\($0)': " } ?? "") + message
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}
