import ArgumentParser
import Networks
import Reports

struct LayersCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "layers",
    abstract: "List the conv and linear layers of a ResNet (torchvision v1.5 names, 224×224 input).",
    discussion: """
      Columns: channels, kernel, stride, padding, groups, input and output size, parameters and multiply-adds per image; totals include batch norm. Exit 64 when the model is unknown or --filter matches nothing.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json
  }

  @OptionGroup var model: ModelOption

  @Option(help: "Output format: table, csv or json.")
  var format: Format = .table

  @Option(help: "Regular expression on layer names, e.g. 'layer4\\..*conv2'.")
  var filter: String?

  func run() throws {
    try guarded {
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
