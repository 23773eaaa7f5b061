import ArgumentParser
import Decomposition
import Harness
import ONNX
import Results

struct ExportONNXCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-onnx",
    abstract:
      "Write an ONNX model's vanilla-LRD variant as ONNX, so another engine runs the network lrd-bench times.",
    discussion: """
      Every layer with groups 1 but the first (the stem) is replaced by its factors at --ratio, decomposed from the file's own weights exactly as model --onnx does: SVD layers as two Conv (or Gemm) nodes, Tucker-2 as three, the last carrying the layer's bias. Everything else is the file as it was. Time both files with scripts/compare-onnxruntime.
      """)

  @OptionGroup var onnx: ONNXOptions
  @OptionGroup var model: ModelOption

  @Option(help: "The variant to write: lrd (vanilla LRD; the only one today).")
  var variant: String = "lrd"

  @Option(parsing: .unconditional, help: "Compression ratio α of the decomposed layers (default 2).")
  var ratio: Double?

  @Option(
    help: ArgumentHelp("Where to write the variant (a new .onnx file, or - for stdout).", valueName: "file"))
  var out: String

  func run() throws {
    try guarded {
      guard variant == "lrd" else {
        throw ValidationError("--variant '\(variant)': export-onnx writes lrd (vanilla LRD)")
      }
      guard onnx.onnx != nil else { throw ValidationError("give the model to decompose: --onnx FILE") }
      let ratio = ratio ?? 2
      guard RankSelection.isValidRatio(ratio) else { throw DecompositionError.badCompressionRatio(ratio) }
      let output = try OutputFile(out)
      guard let imported = try onnx.open(model: model) else { return }
      let factors = try ImportedNetworkTiming.lrdFactors(imported, ratio: ratio)
      try output.write(
        try ONNXExporter.variant(
          of: imported, replacing: factors, producer: "lrd-bench export-onnx --variant lrd"))
      printError("wrote \(out): \(factors.count) layers as their factors at α = \(ratio)")
    }
  }
}
