import Decomposition
import Foundation
import Networks
import Programs
import Support

/// Memory a run will allocate, estimated from shapes before anything is allocated, so an impossible
/// batch or size is refused with the figure instead of crashing in the allocator.
package enum MemoryEstimate {
  /// Bytes of a `LayerProgram` (and its decomposition's factor weights) for `factorization` of `layer`:
  /// activations (and gradients in training), weights with their gradients and copies, and the im2col
  /// workspaces.
  ///
  /// Double precision arithmetic: no overflow for absurd batches.
  package static func layerProgram(_ layer: LayerSpec, _ factorization: Factorization, batch: Int, mode: Mode)
    -> Double
  {
    let floats = factorization.factorShapes(of: layer).enumerated().reduce(0.0) { total, entry in
      let shape = entry.element.shape
      let pixelsIn = Double(shape.inputHeight * shape.inputWidth)
      let pixelsOut = Double(shape.outputHeight * shape.outputWidth)
      let input = entry.offset == 0 ? Double(batch) * pixelsIn * Double(shape.inChannels) : 0
      let output = Double(batch) * pixelsOut * Double(shape.outChannels)
      let activations = (input + output) * (mode == .training ? 2 : 1)
      let weights = 3 * Double(shape.weightCount)
      let rows = Double(batch) * pixelsOut
      let k = Double(shape.kernelArea * shape.groupInChannels)
      let block =
        mode == .training ? rows : min(rows, max(512, Double(2 << 20) / (4 * k * Double(shape.groups))))
      let columns = shape.readsInputAsGEMMOperand ? 0 : Double(shape.groups) * k * (block + min(rows, block))
      return total + activations + weights + columns
    }
    return 4 * floats
  }

  /// Bytes of a `NetworkProgram` of `plan` (activations and batch-norm outputs, their gradients in
  /// training, every factor's weights with gradient and copies, im2col workspaces), estimated from
  /// shapes before anything is allocated.
  package static func network(_ plan: NetworkPlan, batch: Int, mode: Mode) -> Double {
    let training = mode == .training
    var floats = Double(batch * plan.catalog.imageSize * plan.catalog.imageSize * 3)
    for layer in plan.layers {
      let factors = layer.factorization.factorShapes(of: layer.layer)
      for factor in factors {
        let shape = factor.shape
        let rows = Double(batch * shape.outputHeight * shape.outputWidth)
        floats += rows * Double(shape.outChannels) * (training ? 2 : 1)
        floats += 3 * Double(shape.weightCount)
        guard !shape.readsInputAsGEMMOperand else { continue }
        let k = Double(shape.kernelArea * shape.groupInChannels * shape.groups)
        let block = training ? rows : min(rows, max(512, Double(2 << 20) / (4 * k)))
        floats += k * (block + min(rows, max(512, Double(2 << 20) / (4 * k))))
      }
      // The batch norm after the layer writes a tensor of the layer's output size.
      let out = Double(batch * layer.layer.outputHeight * layer.layer.outputWidth * layer.outChannels)
      floats += out * (training ? 2 : 1)
    }
    return 4 * floats
  }

  /// Bytes of a `GraphProgram` of `graph` whose layers run as `factors` (every slot, its gradient and a scratch
  /// copy in training, every factor's weights with gradient and copies, im2col workspaces), estimated from shapes
  /// before anything is decomposed or allocated.
  package static func graph(_ graph: GraphSpec, factors: [FactorShape], batch: Int, mode: Mode) -> Double {
    let training = mode == .training
    var floats = graph.shapes.reduce(0.0) { $0 + Double(batch * $1.dropFirst().reduce(1, *)) }
    floats *= training ? 3 : 1
    for factor in factors {
      let shape = factor.shape
      let rows = Double(batch * shape.outputHeight * shape.outputWidth)
      floats += rows * Double(shape.outChannels) * (training ? 2 : 1) + 3 * Double(shape.weightCount)
      guard !shape.readsInputAsGEMMOperand else { continue }
      floats += Double(shape.kernelArea * shape.inChannels) * rows * (training ? 2 : 1)
    }
    return 4 * floats
  }

  /// Bytes of an n×n×n sgemm workload (three n×n matrices).
  package static func sgemm(size n: Int) -> Double { 3 * 4 * Double(n) * Double(n) }

  /// `MemAvailable` from /proc/meminfo, in bytes (nil when unreadable).
  package static var available: Double? {
    guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
      let fields = line.split(separator: " ")
      if fields.count >= 2, let kib = Double(fields[1]) { return kib * 1024 }
    }
    return nil
  }

  /// Throws when `bytes` exceed 80% of the available memory, naming `what`, both figures and the setting to
  /// make smaller.
  package static func check(_ bytes: Double, for what: String, reduce setting: Setting?) throws(HarnessError)
  {
    guard let available, bytes > 0.8 * available else { return }
    throw .insufficientMemory(
      "\(what) needs about \(format(bytes)) of memory; this machine has \(format(available)) available",
      reduce: setting)
  }

  /// "9.3 TiB".
  static func format(_ bytes: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var value = bytes
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return String(format: value >= 100 ? "%.0f %@" : "%.1f %@", value, units[unit])
  }
}
