import Decomposition
import Foundation
import Geometry
import Networks
import Support
import SwiftProtobuf
import Tensors

/// Writes a variant of an ONNX model, so another engine can run exactly the network lrd-bench times.
///
/// Each replaced layer's node becomes its factors' nodes back to back (Conv factors as Conv with OIHW weights,
/// linear factors as Gemm with transB = 1), the last factor carrying the layer's bias; everything else is the
/// file as it was.
package enum ONNXExporter {
  /// The serialized model of `model`'s file with the layers of `replacements` (by lrd-bench layer name)
  /// replaced by their factors; `producer` is recorded as the writer.
  package static func variant(
    of model: ImportedModel, replacing replacements: [String: [FactorLayer]], producer: String
  ) throws(ONNXError) -> Data {
    let path = model.file.path
    let (data, decoded) = try ONNXImporter.decode(path)
    let digest = SHA256.hex(data)
    guard digest == model.file.sha256 else {
      throw .changed(file: path, recorded: model.file.sha256, now: digest)
    }
    var proto = decoded
    var nodes: [Onnx_NodeProto] = []
    var replacedWeights: Set<String> = []
    for node in proto.graph.node {
      guard ["Conv", "Gemm", "MatMul"].contains(node.opType), node.input.count > 1,
        let layer = model.layers.first(where: { $0.weightName == node.input[1] }),
        let factors = replacements[layer.spec.name]
      else {
        nodes.append(node)
        continue
      }
      replacedWeights.insert(node.input[1])
      if node.input.count > 2 { replacedWeights.insert(node.input[2]) }
      var x = node.input[0]
      for (index, factor) in factors.enumerated() {
        let last = index == factors.count - 1
        let y = last ? node.output[0] : "\(layer.spec.name).lrd\(index).output"
        let factorName = "\(layer.spec.name).lrd\(index)"
        let weightName = factorName + ".weight"
        var made = Onnx_NodeProto()
        made.name = node.name.isEmpty ? factorName : "\(node.name).lrd\(index)"
        made.input = [x, weightName]
        made.output = [y]
        let shape = factor.spec.shape
        if layer.spec.kind == .linear {
          made.opType = "Gemm"
          made.attribute = [attribute("transB", int: 1)]
          proto.graph.initializer.append(
            tensor(
              weightName, dims: [shape.outChannels, shape.inChannels],
              values: transposedLinear(factor.weight, shape)))
        } else {
          made.opType = "Conv"
          // The k×k factor pads as the layer did (its pads or auto_pad as written, unequal sides included);
          // 1×1 factors pad nothing.
          let padding =
            shape.kernelArea > 1
            ? node.attribute.filter { ["pads", "auto_pad"].contains($0.name) }
            : [attribute("pads", ints: [0, 0, 0, 0])]
          made.attribute =
            [
              attribute("kernel_shape", ints: [shape.kernel, shape.kernelWidth]),
              attribute("strides", ints: [shape.stride, shape.stride]),
              attribute("group", int: shape.groups),
            ] + padding
          proto.graph.initializer.append(
            tensor(
              weightName, dims: [shape.outChannels, shape.groupInChannels, shape.kernel, shape.kernelWidth],
              values: oihw(factor.weight, shape)))
        }
        if let bias = factor.bias {
          made.input.append(factorName + ".bias")
          proto.graph.initializer.append(
            tensor(factorName + ".bias", dims: [bias.count], values: bias.scalars))
        }
        nodes.append(made)
        x = y
      }
    }
    proto.graph.node = nodes
    let used = Set(nodes.flatMap(\.input))
    proto.graph.initializer.removeAll { replacedWeights.contains($0.name) && !used.contains($0.name) }
    proto.producerName = producer
    do {
      return try proto.serializedBytes()
    } catch {
      throw .notONNX(file: path, reason: "the variant could not be serialized: \(error)")
    }
  }

  static func attribute(_ name: String, int: Int) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .int
    a.i = Int64(int)
    return a
  }

  static func attribute(_ name: String, ints: [Int]) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .ints
    a.ints = ints.map(Int64.init)
    return a
  }

  /// A float32 initializer with little-endian raw data.
  static func tensor(_ name: String, dims: [Int], values: [Float]) -> Onnx_TensorProto {
    var t = Onnx_TensorProto()
    t.name = name
    t.dims = dims.map(Int64.init)
    t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
    var raw = Data(capacity: values.count * 4)
    for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
    t.rawData = raw
    return t
  }

  /// HWIO `[k, k, Cin/g, Cout]` → OIHW `[Cout, Cin/g, k, k]`.
  static func oihw(_ weight: Tensor, _ shape: ConvShape) -> [Float] {
    let (kh, kw, i, o) = (shape.kernel, shape.kernelWidth, shape.groupInChannels, shape.outChannels)
    var out = [Float](repeating: 0, count: weight.count)
    for oc in 0..<o {
      for ic in 0..<i {
        for y in 0..<kh {
          for x in 0..<kw {
            let target = ((oc * i + ic) * kh + y) * kw + x
            let source = ((y * kw + x) * i + ic) * o + oc
            out[target] = weight.scalars[source]
          }
        }
      }
    }
    return out
  }

  /// HWIO `[1, 1, K, N]` → Gemm's transposed B `[N, K]`.
  static func transposedLinear(_ weight: Tensor, _ shape: ConvShape) -> [Float] {
    let (k, n) = (shape.inChannels, shape.outChannels)
    var out = [Float](repeating: 0, count: k * n)
    for row in 0..<k { for column in 0..<n { out[column * k + row] = weight.scalars[row * n + column] } }
    return out
  }
}
