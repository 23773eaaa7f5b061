import Foundation
import Networks
import Results

/// `lrd-bench layers`: the catalog as a table, CSV or JSON, with model totals.
package enum LayersReport {
  static let header = [
    "layer", "kind", "role", "in", "out", "kernel", "stride", "padding", "groups", "input", "output",
    "params", "MACs",
  ]

  static func cells(_ l: LayerSpec) -> [String] {
    [
      l.name, l.kind.rawValue, l.role.rawValue, String(l.inChannels), String(l.outChannels),
      "\(l.kernel)×\(l.shape.kernelWidth)",
      String(l.stride), String(l.padding), String(l.groups), "\(l.inputHeight)×\(l.inputWidth)",
      "\(l.outputHeight)×\(l.outputWidth)", String(l.parameterCount), String(l.macsPerImage),
    ]
  }

  /// Totals lines for the model (and for the shown subset when filtered).
  package static func totals(_ catalog: ModelCatalog, shown: [LayerSpec]) -> String {
    let bn = catalog.batchNorms.reduce(0) { $0 + $1.parameterCount }
    var lines = [
      "\(catalog.model.displayName) at \(catalog.imageSize)×\(catalog.imageSize): "
        + "\(catalog.mainPathLayerCount) main-path weight layers (\(catalog.layers.count) conv/linear incl. downsample), "
        + "params \(grouped(catalog.parameterCount)) (batch norm \(grouped(bn))), "
        + "MACs \(grouped(catalog.macsPerImage)), FLOPs \(Format.fixed(Double(catalog.flopsPerImage) / 1e9, 2)) G per image"
    ]
    if shown.count != catalog.layers.count {
      let params = shown.reduce(0) { $0 + $1.parameterCount }
      let macs = shown.reduce(0) { $0 + $1.macsPerImage }
      lines.append("shown: \(shown.count) layers, params \(grouped(params)), MACs \(grouped(macs))")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The catalog's layers as a text table with the model's totals.
  package static func table(_ catalog: ModelCatalog, shown: [LayerSpec]) -> String {
    var table = TextTable(header: header, rightAligned: [3, 4, 6, 7, 8, 11, 12])
    for layer in shown { table.append(cells(layer)) }
    return table.text + "\n" + totals(catalog, shown: shown)
  }

  /// The shown layers as CSV.
  package static func csv(_ shown: [LayerSpec]) -> String {
    var table = CSVTable(header: header)
    for layer in shown { table.append(cells(layer)) }
    return table.text
  }

  struct Document: Encodable {
    var model: String
    var imageSize: Int
    var parameters: Int
    var batchNormParameters: Int
    var macsPerImage: Int
    var flopsPerImage: Int
    var mainPathLayers: Int
    var layers: [LayerSpec]
  }

  /// The catalog and the shown layers as JSON.
  package static func json(_ catalog: ModelCatalog, shown: [LayerSpec]) throws -> String {
    let document = Document(
      model: catalog.model.rawValue, imageSize: catalog.imageSize, parameters: catalog.parameterCount,
      batchNormParameters: catalog.batchNorms.reduce(0) { $0 + $1.parameterCount },
      macsPerImage: catalog.macsPerImage,
      flopsPerImage: catalog.flopsPerImage, mainPathLayers: catalog.mainPathLayerCount, layers: shown)
    return String(decoding: try JSONCoding.encoder.encode(document), as: UTF8.self) + "\n"
  }

  /// 25557032 → "25,557,032".
  package static func grouped(_ value: Int) -> String {
    let digits = String(abs(value))
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
      if i > 0 && i % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return (value < 0 ? "-" : "") + String(out.reversed())
  }
}
