import Networks
import Testing

@Suite("ResNet catalog")
struct CatalogTests {
  @Test(
    "totals match torchvision",
    arguments: [
      (ResNetModel.resnet50, 25_557_032, 50),
      (.resnet101, 44_549_160, 101),
      (.resnet152, 60_192_808, 152),
    ])
  func totals(model: ResNetModel, parameters: Int, layers: Int) {
    let catalog = ModelCatalog(model)
    #expect(catalog.parameterCount == parameters)
    #expect(catalog.mainPathLayerCount == layers)
  }

  @Test func resnet50FlopsAreAbout8Point2G() {
    let flops = Double(ModelCatalog(.resnet50).flopsPerImage) / 1e9
    #expect(abs(flops - 8.2) < 0.05, "ResNet-50 FLOPs = \(flops) G")
  }

  @Test func layer4Block2Conv2() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer4.2.conv2")
    #expect(layer.inChannels == 512 && layer.outChannels == 512)
    #expect(layer.kernel == 3 && layer.stride == 1 && layer.padding == 1)
    #expect(layer.inputHeight == 7 && layer.outputHeight == 7)
  }

  @Test func strideTwoSitsOnConv2() throws {
    let catalog = ModelCatalog(.resnet50)
    let conv2 = try catalog.layer(named: "layer2.0.conv2")
    #expect(conv2.stride == 2 && conv2.inputHeight == 56 && conv2.outputHeight == 28)
    let conv1 = try catalog.layer(named: "layer2.0.conv1")
    #expect(conv1.stride == 1 && conv1.inputHeight == 56)
  }

  @Test func downsampleIsStridedProjection() throws {
    let layer = try ModelCatalog(.resnet50).layer(named: "layer2.0.downsample.0")
    #expect(layer.inChannels == 256 && layer.outChannels == 512)
    #expect(layer.kernel == 1 && layer.stride == 2 && layer.outputHeight == 28)
    #expect(!layer.isMainPath)
  }

  @Test func classifier() throws {
    let fc = try ModelCatalog(.resnet152).layer(named: "fc")
    #expect(fc.kind == .linear && fc.inChannels == 2048 && fc.outChannels == 1000 && fc.bias)
    #expect(fc.parameterCount == 2048 * 1000 + 1000)
  }

  @Test func unknownLayerSuggestsCloseNames() {
    #expect(throws: CatalogError.self) { try ModelCatalog(.resnet50).layer(named: "layer4.2.cnv2") }
    do {
      _ = try ModelCatalog(.resnet50).layer(named: "layer4.2.cnv2")
    } catch {
      guard case .unknownLayer(_, _, let suggestions) = error else {
        Issue.record("wrong error \(error)")
        return
      }
      #expect(suggestions.first == "layer4.2.conv2")
    }
  }

  @Test func filterThatMatchesNothingIsAnError() throws {
    let catalog = ModelCatalog(.resnet50)
    #expect(throws: CatalogError.filterMatchesNothing(pattern: "^nothing$", model: .resnet50)) {
      try catalog.layers(matching: "^nothing$")
    }
    #expect(try catalog.layers(matching: #"^layer4\.\d\.conv2$"#).count == 3)
    #expect(throws: CatalogError.self) { try catalog.layers(matching: "(") }
  }

  @Test("model names parse", arguments: ["resnet50", "ResNet-50", "r50", "50"])
  func parsesModelNames(text: String) {
    #expect(ResNetModel(parsing: text) == .resnet50)
  }
}
