import Foundation
import Geometry
import Testing

@Suite("Convolution shapes: sizes and costs")
struct ConvShapeTests {
  /// (input, kernel, stride, padding) → output extent, checked against ⌊(i + 2p − k)/s⌋ + 1 by hand.
  @Test(
    "output extent",
    arguments: [
      (224, 7, 2, 3, 112), (112, 3, 2, 1, 56), (56, 3, 1, 1, 56), (56, 1, 2, 0, 28), (7, 3, 1, 1, 7),
      (14, 3, 2, 1, 7), (5, 3, 1, 0, 3), (1, 1, 1, 0, 1),
    ])
  func outputExtent(input: Int, kernel: Int, stride: Int, padding: Int, expected: Int) {
    let shape = ConvShape(
      inChannels: 1, outChannels: 1, kernel: kernel, stride: stride, padding: padding, inputHeight: input,
      inputWidth: input + 1)
    #expect(shape.outputHeight == expected)
    #expect(
      shape.outputWidth
        == ConvShape.outputExtent(input: input + 1, kernel: kernel, stride: stride, padding: padding))
  }

  @Test func weightsAndMultiplyAdds() {
    // ResNet-50 layer4.2.conv2: 512→512 3×3 at 7×7: 2,359,296 weights, 115,605,504 MACs per image.
    let conv = ConvShape(
      inChannels: 512, outChannels: 512, kernel: 3, padding: 1, inputHeight: 7, inputWidth: 7)
    #expect(conv.weightCount == 2_359_296 && conv.macsPerImage == 115_605_504)
    #expect(conv.weightShape == [3, 3, 512, 512])
    // Grouped: each output channel reads Cin/groups inputs.
    var grouped = conv
    grouped.groups = 4
    #expect(grouped.weightCount == 2_359_296 / 4 && grouped.weightShape == [3, 3, 128, 512])
    // fc: 2048→1000 on one "pixel".
    let fc = ConvShape.linear(inFeatures: 2048, outFeatures: 1000)
    #expect(fc.weightCount == 2_048_000 && fc.macsPerImage == 2_048_000)
    let batch = conv.batched(8)
    #expect(
      batch.gemmM == 8 * 49 && batch.gemmN == 512 && batch.gemmK == 4608
        && batch.macs == 8 * conv.macsPerImage)
  }

  @Test func twoMeaningsOfOneByOne() {
    let strided = ConvShape(inChannels: 256, outChannels: 512, stride: 2, inputHeight: 56, inputWidth: 56)
    #expect(strided.hasOneByOneKernel && !strided.readsInputAsGEMMOperand)
    let plain = ConvShape(inChannels: 64, outChannels: 64, inputHeight: 56, inputWidth: 56)
    #expect(plain.hasOneByOneKernel && plain.readsInputAsGEMMOperand)
    let padded = ConvShape(inChannels: 4, outChannels: 4, padding: 1, inputHeight: 5, inputWidth: 5)
    #expect(!padded.readsInputAsGEMMOperand)
  }

  @Test(
    "invalid shapes name the problem",
    arguments: [
      ConvShape(inChannels: 0, outChannels: 4, inputHeight: 5, inputWidth: 5),
      ConvShape(inChannels: 6, outChannels: 4, groups: 4, inputHeight: 5, inputWidth: 5),
      ConvShape(inChannels: 4, outChannels: 4, kernel: 7, inputHeight: 5, inputWidth: 5),
      ConvShape(inChannels: 4, outChannels: 4, padding: -1, inputHeight: 5, inputWidth: 5),
    ])
  func invalid(shape: ConvShape) {
    #expect(throws: GeometryError.self) { try shape.validate() }
    #expect(throws: GeometryError.self) { try shape.batched(1).validate() }
  }

  @Test func descriptions() {
    let conv = ConvShape(
      inChannels: 16, outChannels: 16, kernel: 3, stride: 2, padding: 1, groups: 4, inputHeight: 8,
      inputWidth: 8)
    #expect(conv.description == "16→16 3×3 s2 p1 g4 @ 8×8")
    #expect(conv.batched(2).description == "16→16 3×3 s2 p1 g4 @ 2×8×8")
  }

  @Test(
    "a non-square kernel: sizes and costs per axis; JSON of square shapes is as it was, non-square round-trips"
  )
  func nonSquare() throws {
    let shape = ConvShape(
      inChannels: 8, outChannels: 4, kernel: 1, kernelWidth: 7, stride: 1, padding: 0, inputHeight: 5,
      inputWidth: 9)
    #expect(shape.outputHeight == 5 && shape.outputWidth == 3 && shape.weightShape == [1, 7, 8, 4])
    #expect(shape.weightCount == 7 * 8 * 4 && shape.macsPerImage == 15 * 7 * 8 * 4)
    #expect(!shape.hasOneByOneKernel && !shape.isSquare && shape.description == "8→4 1×7 s1 p0 @ 5×9")
    let square = ConvShape(
      inChannels: 8, outChannels: 4, kernel: 3, padding: 1, inputHeight: 5, inputWidth: 5)
    let json = String(decoding: try JSONEncoder().encode(square), as: UTF8.self)
    #expect(!json.contains("kernelWidth"), "\(json)")
    #expect(try JSONDecoder().decode(ConvShape.self, from: Data(json.utf8)) == square)
    let roundTrip = try JSONDecoder().decode(ConvShape.self, from: try JSONEncoder().encode(shape))
    #expect(roundTrip == shape)
  }
}
