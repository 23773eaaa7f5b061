import ArgumentParser
import Networks
import ONNX
import Reports

struct LayersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "layers",
    abstract:
      "List the conv and linear layers of a ResNet (torchvision v1.5 names, 224×224 input) or of an ONNX model.",
    discussion: """
      Columns: channels, kernel, stride, padding, groups, input and output size, parameters and multiply-adds per image; totals include batch norm. With --onnx FILE: the file's conv (Conv) and linear (Gemm, MatMul) layers in graph order, at its input shape (--input-shape when the file's is dynamic), with the file's SHA-256, opset, exporter and operator counts; a file lrd-bench cannot run is refused naming the node and the problem. Exit 64 when the model is unknown, the file cannot be imported or --filter matches nothing.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
  }

  @OptionGroup var model: ModelOption
  @OptionGroup var onnx: ONNXOptions

  @Option(help: "Output format: table, csv or json.")
  var format: Format = .table

  @Option(help: "Regular expression on layer names, e.g. 'layer4\\..*conv2'.")
  var filter: String?

  func run() throws {
    try guarded {
      if let imported = try onnx.open(model: model) {
        let shown = try imported.layers(matching: filter)
        if let filter, shown.isEmpty {
          throw ValidationError("--filter '\(filter)' matches no layer of \(imported.file.path)")
        }
        switch format {
        case .table: emit(LayersReport.table(imported, shown: shown))
        case .csv: emit(LayersReport.csv(shown))
        case .json: emit(try LayersReport.json(imported, shown: shown))
        }
        return
      }
      let catalog = ModelCatalog(model.resolved)
      let shown = try filter.map { try catalog.layers(matching: $0) } ?? catalog.layers
      switch format {
      case .table: emit(LayersReport.table(catalog, shown: shown))
      case .csv: emit(LayersReport.csv(shown))
      case .json: emit(try LayersReport.json(catalog, shown: shown))
      }
    }
  }
}
