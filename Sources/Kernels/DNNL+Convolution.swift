import CDNNL
import Geometry
import Tensors

/// One 2-D convolution as oneDNN primitives: forward, backward-data and backward-weights (groups and a
/// bias included), on lrd-bench's own buffers; a linear layer (1×1 kernel on a 1×1 input) is oneDNN's
/// inner product instead, on the same buffers read as `[N, Cin]`, `[Cin, Cout]` (`io`) and `[N, Cout]`.
///
/// Layouts: activations NHWC (`nhwc`, read and written in place, no reorder), weights HWIO
/// `[k, k, Cin/g, Cout]` (`hwio`, or `hwigo` with groups). Weights are given to each primitive in the
/// format it prefers (`format_tag_any`, usually blocked): a reorder copies them there, once when
/// `reorderWeightsEveryCall` is false (inference: weights never change), or before every forward and
/// backward-data call when it is true (training: SGD changes them every step), which then counts in the
/// timed step. A blocked weight gradient is reordered back to HWIO after every backward-weights call.
/// A linear layer in training reads and writes its plain `io` weights directly (no reorder: measured on
/// ResNet-50's fc at batch 8, 72.9% of peak against 16.3% with a blocked format and its three reorders per
/// step; convolutions keep the blocked formats, 89% against 73% of peak for the whole model).
/// Scratchpads are user-managed and allocated here, so `execute` allocates nothing of lrd-bench's own.
/// Backward primitives are created on their first call (a benchmark's warm-up).
package final class DNNLConvolution {
  /// The convolution's shape and batch.
  package let geometry: ConvGeometry
  /// Whether a per-output-channel bias is added (and its gradient computed).
  package let hasBias: Bool
  /// Whether weights are reordered before every forward and backward-data call (training).
  package let reorderWeightsEveryCall: Bool
  let context: DNNL
  let descriptors: Descriptors
  let forward: Step
  let source: UserMemory
  let destination: UserMemory
  let weights: UserMemory
  let bias: UserMemory?
  var forwardWeightsReady = false
  var backwardData: Step?
  var backwardWeights: Step?
  var backwardDataWeightsReady = false

  /// Creates the forward primitive (backward ones follow on first use).
  ///
  /// `relu` fuses max(·, 0) into the forward primitive as a post-op (inference programs only).
  package init(_ geometry: ConvGeometry, bias: Bool, reorderWeightsEveryCall: Bool, relu: Bool = false)
    throws(DNNLError)
  {
    guard let context = DNNL.shared else { throw .status(call: "dnnl_engine_create", code: -1) }
    self.geometry = geometry
    self.hasBias = bias
    self.reorderWeightsEveryCall = reorderWeightsEveryCall
    self.context = context
    let descriptors = try Descriptors(geometry)
    self.descriptors = descriptors
    source = try UserMemory(descriptors.source, context)
    destination = try UserMemory(descriptors.destination, context)
    weights = try UserMemory(descriptors.weights, context)
    self.bias = bias ? try UserMemory(descriptors.bias, context) : nil
    forward = try Self.forwardStep(
      descriptors, bias: bias, plainLinearWeights: reorderWeightsEveryCall, context: context, relu: relu)
  }

  /// Creates the backward-data and backward-weights primitives now (training kernels call this when made,
  /// so no primitive is created while timing and a failure is reported up front).
  package func prepareBackward() throws(DNNLError) {
    _ = try backwardDataStep()
    _ = try backwardWeightsStep()
  }

  /// The implementations oneDNN chose, for example "forward brgconv:avx512_core" (backward ones once made).
  package var implementations: [String] {
    ["forward " + forward.implementation]
      + (backwardData.map { ["backward-data " + $0.implementation] } ?? [])
      + (backwardWeights.map { ["backward-weights " + $0.implementation] } ?? [])
  }

  /// y ← conv(x) (+ bias); `x`, `w`, `b`, `y` as described on the type.
  package func forward(
    x: UnsafePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>
  ) {
    source.attach(x)
    weights.attach(w)
    destination.attach(y)
    if let bias, let b { bias.attach(b) }
    if !forwardWeightsReady || reorderWeightsEveryCall {
      forward.reorderIn(from: weights, context)
      forwardWeightsReady = true
    }
    execute(
      forward, (Argument.source, source.memory), (Argument.weights, forward.weightsMemory(weights)),
      (Argument.destination, destination.memory), bias.map { (Argument.bias, $0.memory) })
  }

  /// dx ← ∂L/∂x from dy (overwrites `dx`).
  package func backwardData(
    dy: UnsafePointer<Float>, w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) throws(DNNLError) {
    let step = try backwardDataStep()
    destination.attach(UnsafeMutablePointer(mutating: dy))
    weights.attach(w)
    source.attach(dx)
    if !backwardDataWeightsReady || reorderWeightsEveryCall {
      step.reorderIn(from: weights, context)
      backwardDataWeightsReady = true
    }
    execute(
      step, (Argument.diffDestination, destination.memory), (Argument.weights, step.weightsMemory(weights)),
      (Argument.diffSource, source.memory), nil)
  }

  /// dw ← ∂L/∂W (and db ← ∂L/∂b) from the layer input `x` and dy (overwrites both).
  package func backwardWeights(
    x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>,
    db: UnsafeMutablePointer<Float>?
  ) throws(DNNLError) {
    let step = try backwardWeightsStep()
    source.attach(x)
    destination.attach(UnsafeMutablePointer(mutating: dy))
    weights.attach(dw)
    if let bias, let db { bias.attach(db) }
    execute(
      step, (Argument.source, source.memory), (Argument.diffDestination, destination.memory),
      (Argument.diffWeights, step.weightsMemory(weights)), bias.map { (Argument.diffBias, $0.memory) })
    step.reorderOut(to: weights, context)
  }

  /// The weights format the primitives are asked for: `any` (blocked), or the plain `io` weights for a linear
  /// layer in training.
  var requestedWeights: dnnl_memory_desc_t {
    descriptors.linear && reorderWeightsEveryCall ? descriptors.weights : descriptors.weightsAny
  }

  /// A backward step of `operation` (a oneDNN operation descriptor), hinted by the forward primitive.
  func backwardStep(_ operation: UnsafeRawPointer, query: dnnl_query_t) throws(DNNLError) -> Step {
    try Step(
      operation: operation, hint: forward.descriptor, context: context, weightsQuery: query,
      userWeights: descriptors.weights)
  }

  func backwardDataStep() throws(DNNLError) -> Step {
    if let backwardData { return backwardData }
    let d = descriptors
    var weights = requestedWeights
    if d.linear {
      var operation = dnnl_inner_product_desc_t()
      try DNNL.check(
        dnnl_inner_product_backward_data_desc_init(&operation, [d.source], &weights, [d.destination]),
        "dnnl_inner_product_backward_data_desc_init")
      backwardData = try backwardStep(&operation, query: dnnl_query_weights_md)
    } else {
      var operation = dnnl_convolution_desc_t()
      try DNNL.check(
        dnnl_convolution_backward_data_desc_init(
          &operation, dnnl_convolution_direct, [d.source], &weights, [d.destination], d.strides,
          d.paddingLeft,
          d.paddingRight),
        "dnnl_convolution_backward_data_desc_init")
      backwardData = try backwardStep(&operation, query: dnnl_query_weights_md)
    }
    return backwardData!
  }

  func backwardWeightsStep() throws(DNNLError) -> Step {
    if let backwardWeights { return backwardWeights }
    let d = descriptors
    var weights = requestedWeights
    if d.linear {
      var operation = dnnl_inner_product_desc_t()
      try DNNL.check(
        dnnl_inner_product_backward_weights_desc_init(
          &operation, [d.source], &weights, hasBias ? [d.bias] : nil, [d.destination]),
        "dnnl_inner_product_backward_weights_desc_init")
      backwardWeights = try backwardStep(&operation, query: dnnl_query_diff_weights_md)
    } else {
      var operation = dnnl_convolution_desc_t()
      try DNNL.check(
        dnnl_convolution_backward_weights_desc_init(
          &operation, dnnl_convolution_direct, [d.source], &weights, hasBias ? [d.bias] : nil,
          [d.destination],
          d.strides, d.paddingLeft, d.paddingRight),
        "dnnl_convolution_backward_weights_desc_init")
      backwardWeights = try backwardStep(&operation, query: dnnl_query_diff_weights_md)
    }
    return backwardWeights!
  }

  /// The forward primitive: an inner product for linear layers, a direct convolution otherwise.
  static func forwardStep(
    _ d: Descriptors, bias: Bool, plainLinearWeights: Bool, context: DNNL, relu: Bool = false
  ) throws(DNNLError) -> Step {
    var any = d.linear && plainLinearWeights ? d.weights : d.weightsAny
    if d.linear {
      var operation = dnnl_inner_product_desc_t()
      try DNNL.check(
        dnnl_inner_product_forward_desc_init(
          &operation, dnnl_forward_training, [d.source], &any, bias ? [d.bias] : nil, [d.destination]),
        "dnnl_inner_product_forward_desc_init")
      return try Step(
        operation: &operation, hint: nil, context: context, weightsQuery: dnnl_query_weights_md,
        userWeights: d.weights, relu: relu)
    }
    var operation = dnnl_convolution_desc_t()
    try DNNL.check(
      dnnl_convolution_forward_desc_init(
        &operation, dnnl_forward_training, dnnl_convolution_direct, [d.source], &any, bias ? [d.bias] : nil,
        [d.destination], d.strides, d.paddingLeft, d.paddingRight),
      "dnnl_convolution_forward_desc_init")
    return try Step(
      operation: &operation, hint: nil, context: context, weightsQuery: dnnl_query_weights_md,
      userWeights: d.weights, relu: relu)
  }

  /// Runs `step` with three or four arguments and its scratchpad, then waits for the stream.
  func execute(
    _ step: Step, _ a: (Int32, dnnl_memory_t), _ b: (Int32, dnnl_memory_t), _ c: (Int32, dnnl_memory_t),
    _ d: (Int32, dnnl_memory_t)?
  ) {
    step.core.execute(context) { args in
      args[0] = dnnl_exec_arg_t(arg: a.0, memory: a.1)
      args[1] = dnnl_exec_arg_t(arg: b.0, memory: b.1)
      args[2] = dnnl_exec_arg_t(arg: c.0, memory: c.1)
      guard let d else { return 3 }
      args[3] = dnnl_exec_arg_t(arg: d.0, memory: d.1)
      return 4
    }
  }

}
