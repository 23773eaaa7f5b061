import ArgumentParser
import Networks
import Programs

/// A library enum given on the command line by its raw value (case-insensitive); `--help` and shell
/// completions list the values. (A wrapper, not a conformance: the enums belong to other modules.)
struct Choice<Value>: ExpressibleByArgument, Sendable
where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
  var value: Value

  init(_ value: Value) { self.value = value }

  init?(argument: String) {
    guard let value = Value(rawValue: argument.lowercased()) else { return nil }
    self.value = value
  }

  static var allValueStrings: [String] { Value.allCases.map(\.rawValue) }
  var defaultValueDescription: String { value.rawValue }
}

/// `--model`: resnet50, resnet101 or resnet152 (also ResNet-50, r50, 50).
struct ModelArgument: ExpressibleByArgument, Sendable {
  var value: ResNetModel

  init(_ value: ResNetModel) { self.value = value }

  init?(argument: String) {
    guard let value = ResNetModel(parsing: argument) else { return nil }
    self.value = value
  }

  static var allValueStrings: [String] { ResNetModel.allCases.map(\.rawValue) }
  var defaultValueDescription: String { value.rawValue }
}

/// Output formats of the inspection commands.
enum TextFormat: String, ExpressibleByArgument, CaseIterable {
  case text
  case json
}

extension GraphMode: ExpressibleByArgument {}
