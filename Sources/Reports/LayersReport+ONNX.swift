import Foundation
import Networks
import ONNX
import Results

extension LayersReport {
  /// The imported model's totals: file, digest, exporter, input, layers, parameters, MACs and operators.
  package static func totals(_ model: ImportedModel, shown: [LayerSpec]) -> String {
    let macs = model.layers.reduce(0) { $0 + $1.spec.macsPerImage }
    let input = model.input.shape.map(String.init).joined(separator: "×")
    var lines = [
      "\(model.file.path): SHA-256 \(model.file.sha256); opset \(model.opset)"
        + (model.producer.isEmpty ? "" : ", written by \(model.producer)")
        + "; input \(model.input.name) \(input)",
      "\(model.layers.count) conv/linear layers, params \(grouped(model.parameterCount)) (with batch norm scale "
        + "and shift), MACs \(grouped(macs)), FLOPs \(Format.fixed(Double(2 * macs) / 1e9, 2)) G per image",
      "operators: "
        + model.operators.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
    ]
    if shown.count != model.layers.count {
      let params = shown.reduce(0) { $0 + $1.parameterCount }
      lines.append(
        "shown: \(shown.count) layers, params \(grouped(params)), MACs \(grouped(shown.reduce(0) { $0 + $1.macsPerImage }))"
      )
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The imported model's layers as a text table with its totals.
  package static func table(_ model: ImportedModel, shown: [LayerSpec]) -> String {
    var table = TextTable(header: header, rightAligned: [3, 4, 6, 7, 8, 11, 12])
    for layer in shown { table.append(cells(layer)) }
    return table.text + "\n" + totals(model, shown: shown)
  }

  struct ImportedDocument: Encodable {
    var file: String
    var sha256: String
    var opset: Int
    var producer: String
    var input: [Int]
    var parameters: Int
    var macsPerImage: Int
    var operators: [String: Int]
    var layers: [LayerSpec]
  }

  /// The imported model and the shown layers as JSON.
  package static func json(_ model: ImportedModel, shown: [LayerSpec]) throws -> String {
    let document = ImportedDocument(
      file: model.file.path, sha256: model.file.sha256, opset: model.opset, producer: model.producer,
      input: model.input.shape, parameters: model.parameterCount,
      macsPerImage: model.layers.reduce(0) { $0 + $1.spec.macsPerImage }, operators: model.operators,
      layers: shown)
    return String(decoding: try JSONCoding.encoder.encode(document), as: UTF8.self) + "\n"
  }
}
