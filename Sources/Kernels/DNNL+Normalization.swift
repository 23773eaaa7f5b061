import CDNNL
import Tensors

/// Batch normalization of one activation shape as oneDNN primitives, with the residual add and ReLU that
/// follow it in a ResNet block: forward (training: batch statistics out; inference: running statistics
/// in), backward (dx, dγ, dβ), a ReLU backward, and y ← y + residual with an optional ReLU post-op.
///
/// Layouts: NHWC `[N, H, W, C]` (`nhwc`) or `[N, C]` (`nc`) activations, `[C]` statistics and γ, β, all on
/// lrd-bench's buffers. oneDNN 2.6's batch normalization cannot fuse the residual add, so a block end is
/// batch norm, then a binary add with a ReLU post-op (lrd-bench's own kernel does all three in one pass).
/// Variance is the biased batch variance, as in the normalization itself. Primitives and scratchpads are
/// made in `init`.
package final class DNNLBatchNorm {
  /// The activation shape (NHWC or NC).
  package let shape: [Int]
  let context: DNNL
  let data: DNNLConvolution.UserMemory
  let output: DNNLConvolution.UserMemory
  let diffData: DNNLConvolution.UserMemory
  let diffOutput: DNNLConvolution.UserMemory
  let residual: DNNLConvolution.UserMemory
  let scale: DNNLConvolution.UserMemory
  let shift: DNNLConvolution.UserMemory
  let mean: DNNLConvolution.UserMemory
  let variance: DNNLConvolution.UserMemory
  let diffScale: DNNLConvolution.UserMemory
  let diffShift: DNNLConvolution.UserMemory
  let training: DNNLPrimitive
  let inference: DNNLPrimitive
  let backwardNorm: DNNLPrimitive
  let add: DNNLPrimitive
  let addReLU: DNNLPrimitive
  let relu: DNNLPrimitive
  let reluBackward: DNNLPrimitive

  /// Primitives for activations of `shape` (rank 4 NHWC or rank 2) with `epsilon` added to the variance.
  package init(shape: [Int], epsilon: Float) throws(DNNLError) {
    guard let context = DNNL.shared else { throw .status(call: "dnnl_engine_create", code: -1) }
    guard shape.count == 4 || shape.count == 2 else {
      throw .unimplemented(call: "batch norm of rank \(shape.count)")
    }
    self.shape = shape
    self.context = context
    let c = shape[shape.count - 1]
    var md = dnnl_memory_desc_t()
    let dims = shape.count == 4 ? [shape[0], c, shape[1], shape[2]] : shape
    try DNNL.check(
      dnnl_memory_desc_init_by_tag(
        &md, Int32(dims.count), dims.map(Int64.init), dnnl_f32, shape.count == 4 ? dnnl_nhwc : dnnl_nc),
      "dnnl_memory_desc_init_by_tag")
    var channels = dnnl_memory_desc_t()
    try DNNL.check(
      dnnl_memory_desc_init_by_tag(&channels, 1, [Int64(c)], dnnl_f32, dnnl_a), "dnnl_memory_desc_init_by_tag"
    )
    (data, output, diffData, diffOutput, residual) = (
      try .init(md, context), try .init(md, context), try .init(md, context), try .init(md, context),
      try .init(md, context)
    )
    (scale, shift, mean, variance, diffScale, diffShift) = (
      try .init(channels, context), try .init(channels, context), try .init(channels, context),
      try .init(channels, context), try .init(channels, context), try .init(channels, context)
    )
    let scaleShift = UInt32(dnnl_use_scale.rawValue | dnnl_use_shift.rawValue)
    var forward = dnnl_batch_normalization_desc_t()
    try DNNL.check(
      dnnl_batch_normalization_forward_desc_init(&forward, dnnl_forward_training, &md, epsilon, scaleShift),
      "dnnl_batch_normalization_forward_desc_init")
    training = try DNNLPrimitive(&forward, context: context)
    var global = dnnl_batch_normalization_desc_t()
    try DNNL.check(
      dnnl_batch_normalization_forward_desc_init(
        &global, dnnl_forward_inference, &md, epsilon, scaleShift | UInt32(dnnl_use_global_stats.rawValue)),
      "dnnl_batch_normalization_forward_desc_init")
    inference = try DNNLPrimitive(&global, context: context)
    var backward = dnnl_batch_normalization_desc_t()
    try DNNL.check(
      dnnl_batch_normalization_backward_desc_init(&backward, dnnl_backward, &md, &md, epsilon, scaleShift),
      "dnnl_batch_normalization_backward_desc_init")
    backwardNorm = try DNNLPrimitive(&backward, context: context, hint: training.descriptor)
    var sum = dnnl_binary_desc_t()
    try DNNL.check(dnnl_binary_desc_init(&sum, dnnl_binary_add, &md, &md, &md), "dnnl_binary_desc_init")
    add = try DNNLPrimitive(&sum, context: context)
    addReLU = try DNNLPrimitive(&sum, context: context, relu: true)
    var forwardReLU = dnnl_eltwise_desc_t()
    try DNNL.check(
      dnnl_eltwise_forward_desc_init(
        &forwardReLU, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, &md, 0, 0),
      "dnnl_eltwise_forward_desc_init")
    relu = try DNNLPrimitive(&forwardReLU, context: context)
    var backwardReLU = dnnl_eltwise_desc_t()
    try DNNL.check(
      dnnl_eltwise_backward_desc_init(&backwardReLU, dnnl_eltwise_relu_use_dst_for_bwd, &md, &md, 0, 0),
      "dnnl_eltwise_backward_desc_init")
    reluBackward = try DNNLPrimitive(&backwardReLU, context: context, hint: relu.descriptor)
  }

  /// y ← γ·(x − μ)/√(σ² + ε) + β, from the batch's statistics (training) or the given ones (inference).
  ///
  /// In training μ and σ² (biased) are the batch's and are written to `mean` and `variance`; in inference
  /// they are read from them. `x` may be `y`.
  package func forward(
    training isTraining: Bool, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, mean meanBuffer: UnsafeMutablePointer<Float>,
    variance varianceBuffer: UnsafeMutablePointer<Float>
  ) {
    data.attach(x)
    output.attach(y)
    scale.attach(gamma)
    shift.attach(beta)
    mean.attach(meanBuffer)
    variance.attach(varianceBuffer)
    (isTraining ? training : inference).execute(context) { args in
      args[0] = dnnl_exec_arg_t(arg: Argument.source, memory: data.memory)
      args[1] = dnnl_exec_arg_t(arg: Argument.destination, memory: output.memory)
      args[2] = dnnl_exec_arg_t(arg: Argument.scale, memory: scale.memory)
      args[3] = dnnl_exec_arg_t(arg: Argument.shift, memory: shift.memory)
      args[4] = dnnl_exec_arg_t(arg: Argument.mean, memory: mean.memory)
      args[5] = dnnl_exec_arg_t(arg: Argument.variance, memory: variance.memory)
      return 6
    }
  }

  /// y ← y + r, then max(·, 0) when `relu` (in place on `y`).
  package func add(_ r: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, relu withReLU: Bool) {
    output.attach(y)
    residual.attach(r)
    (withReLU ? addReLU : add).execute(context) { args in
      args[0] = dnnl_exec_arg_t(arg: Argument.source, memory: output.memory)
      args[1] = dnnl_exec_arg_t(arg: Argument.source1, memory: residual.memory)
      args[2] = dnnl_exec_arg_t(arg: Argument.destination, memory: output.memory)
      return 3
    }
  }

  /// y ← max(y, 0) in place.
  package func relu(_ y: UnsafeMutablePointer<Float>) {
    output.attach(y)
    relu.execute(context) { args in
      args[0] = dnnl_exec_arg_t(arg: Argument.source, memory: output.memory)
      args[1] = dnnl_exec_arg_t(arg: Argument.destination, memory: output.memory)
      return 2
    }
  }

  /// dx ← dy·[y > 0] from the ReLU's output `y`; `dx` may be `dy`.
  package func reluBackward(
    output y: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>
  ) {
    output.attach(y)
    diffOutput.attach(dy)
    diffData.attach(dx)
    reluBackward.execute(context) { args in
      args[0] = dnnl_exec_arg_t(arg: Argument.destination, memory: output.memory)
      args[1] = dnnl_exec_arg_t(arg: Argument.diffDestination, memory: diffOutput.memory)
      args[2] = dnnl_exec_arg_t(arg: Argument.diffSource, memory: diffData.memory)
      return 3
    }
  }

  /// dx, dγ, dβ of the training form from its input `x`, the batch `mean` and `variance` it wrote, and dy.
  package func backward(
    x: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    beta: UnsafePointer<Float>,
    mean meanBuffer: UnsafePointer<Float>, variance varianceBuffer: UnsafePointer<Float>,
    into dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
    dBeta: UnsafeMutablePointer<Float>
  ) {
    data.attach(x)
    diffOutput.attach(dy)
    scale.attach(gamma)
    shift.attach(beta)
    mean.attach(meanBuffer)
    variance.attach(varianceBuffer)
    diffData.attach(dx)
    diffScale.attach(dGamma)
    diffShift.attach(dBeta)
    backwardNorm.execute(context) { args in
      args[0] = dnnl_exec_arg_t(arg: Argument.source, memory: data.memory)
      args[1] = dnnl_exec_arg_t(arg: Argument.diffDestination, memory: diffOutput.memory)
      args[2] = dnnl_exec_arg_t(arg: Argument.scale, memory: scale.memory)
      args[3] = dnnl_exec_arg_t(arg: Argument.mean, memory: mean.memory)
      args[4] = dnnl_exec_arg_t(arg: Argument.variance, memory: variance.memory)
      args[5] = dnnl_exec_arg_t(arg: Argument.diffSource, memory: diffData.memory)
      args[6] = dnnl_exec_arg_t(arg: Argument.diffScale, memory: diffScale.memory)
      args[7] = dnnl_exec_arg_t(arg: Argument.diffShift, memory: diffShift.memory)
      args[8] = dnnl_exec_arg_t(arg: Argument.shift, memory: shift.memory)
      return 9
    }
  }
}
