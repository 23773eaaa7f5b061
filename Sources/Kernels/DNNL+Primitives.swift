import CDNNL
import Geometry
import Tensors

/// oneDNN's execution-argument indices (`DNNL_ARG_*`, macros Swift does not import).
enum Argument {
  static let source: Int32 = 1
  static let source1: Int32 = 2
  static let mean: Int32 = 49
  static let variance: Int32 = 50
  static let scale: Int32 = 51
  static let shift: Int32 = 52
  static let diffScale: Int32 = 255
  static let diffShift: Int32 = 256
  static let destination: Int32 = 17
  static let weights: Int32 = 33
  static let bias: Int32 = 41
  static let workspace: Int32 = 64
  static let scratchpad: Int32 = 80
  static let diffSource: Int32 = 129
  static let diffDestination: Int32 = 145
  static let diffWeights: Int32 = 161
  static let diffBias: Int32 = 169
  static let from: Int32 = 1
  static let to: Int32 = 17
}

extension DNNLConvolution {
  /// The memory descriptors of a convolution: lrd-bench's layouts, weights also as `any`, and the
  /// spatial strides and paddings.
  struct Descriptors {
    var source = dnnl_memory_desc_t()
    var destination = dnnl_memory_desc_t()
    var weights = dnnl_memory_desc_t()
    var weightsAny = dnnl_memory_desc_t()
    var bias = dnnl_memory_desc_t()
    let strides: [Int64]
    let paddingLeft: [Int64]
    /// (output − 1)·stride + kernel − input − padding: negative when the last input rows are never read.
    let paddingRight: [Int64]
    /// A linear layer (1×1 kernel on a 1×1 input, dense): oneDNN's inner product, on `[N, C]` activations and
    /// `[Cin, Cout]` weights (`io`).
    let linear: Bool

    init(_ g: ConvGeometry) throws(DNNLError) {
      func make(_ md: inout dnnl_memory_desc_t, _ dims: [Int], _ tag: dnnl_format_tag_t) throws(DNNLError) {
        try DNNL.check(
          dnnl_memory_desc_init_by_tag(&md, Int32(dims.count), dims.map(Int64.init), dnnl_f32, tag),
          "dnnl_memory_desc_init_by_tag")
      }
      let s = g.shape
      linear =
        s.kernelArea == 1 && s.inputHeight == 1 && s.inputWidth == 1 && s.groups == 1 && s.stride == 1
        && s.padding == 0
      strides = [Int64(s.stride), Int64(s.stride)]
      paddingLeft = [Int64(s.padding), Int64(s.padding)]
      paddingRight = [
        Int64((s.outputHeight - 1) * s.stride + s.kernel - s.inputHeight - s.padding),
        Int64((s.outputWidth - 1) * s.stride + s.kernelWidth - s.inputWidth - s.padding),
      ]
      try make(&bias, [s.outChannels], dnnl_a)
      if linear {
        try make(&source, [g.batch, s.inChannels], dnnl_nc)
        try make(&destination, [g.batch, s.outChannels], dnnl_nc)
        try make(&weights, [s.outChannels, s.inChannels], dnnl_io)
        try make(&weightsAny, [s.outChannels, s.inChannels], dnnl_format_tag_any)
        return
      }
      try make(&source, [g.batch, s.inChannels, s.inputHeight, s.inputWidth], dnnl_nhwc)
      try make(&destination, [g.batch, s.outChannels, s.outputHeight, s.outputWidth], dnnl_nhwc)
      let groups = s.groups
      let weightDims =
        groups == 1
        ? [s.outChannels, s.inChannels, s.kernel, s.kernelWidth]
        : [groups, s.outChannels / groups, s.inChannels / groups, s.kernel, s.kernelWidth]
      try make(&weights, weightDims, groups == 1 ? dnnl_hwio : dnnl_hwigo)
      try make(&weightsAny, weightDims, dnnl_format_tag_any)
    }
  }

  /// A memory object over one of lrd-bench's buffers: the buffer is attached for each call.
  final class UserMemory {
    let memory: dnnl_memory_t

    init(_ descriptor: dnnl_memory_desc_t, _ context: DNNL) throws(DNNLError) {
      var md = descriptor
      var memory: dnnl_memory_t?
      try DNNL.check(
        dnnl_memory_create(&memory, &md, context.engine, lrd_dnnl_memory_none()), "dnnl_memory_create")
      guard let memory else { throw .status(call: "dnnl_memory_create", code: -1) }
      self.memory = memory
    }

    deinit { dnnl_memory_destroy(memory) }

    /// Points the memory at `pointer` for the next execution (valid only inside the caller's closure).
    func attach(_ pointer: UnsafePointer<Float>) {
      attach(UnsafeMutablePointer(mutating: pointer))
    }

    /// Points the memory at `pointer` for the next execution (valid only inside the caller's closure).
    func attach(_ pointer: UnsafeMutablePointer<Float>) {
      let status = dnnl_memory_set_data_handle(memory, UnsafeMutableRawPointer(pointer))
      precondition(
        status == dnnl_success, "dnnl_memory_set_data_handle failed with status \(status.rawValue)")
    }
  }

  /// One primitive with its descriptor, its scratchpad and, when it wants weights in another format
  /// than HWIO, a buffer in that format with the reorders into and out of it.
  final class Step {
    /// The primitive, its descriptor and scratchpad.
    let core: DNNLPrimitive
    /// Weights (or their gradient) in the primitive's format; nil when that is HWIO itself.
    let weightsBuffer: dnnl_memory_t?
    let reorderInto: dnnl_primitive_t?
    let reorderOutOf: dnnl_primitive_t?
    /// oneDNN's name for the implementation, for example "brgconv:avx512_core".
    let implementation: String

    var descriptor: dnnl_primitive_desc_t { core.descriptor }
    var primitive: dnnl_primitive_t { core.primitive }
    var scratchpad: dnnl_memory_t { core.scratchpad }

    /// `operation` points at a oneDNN operation descriptor (`dnnl_convolution_desc_t`,
    /// `dnnl_inner_product_desc_t`); `relu` appends a ReLU post-op (forward inference only).
    init(
      operation: UnsafeRawPointer, hint: dnnl_primitive_desc_t?, context: DNNL,
      weightsQuery: dnnl_query_t, userWeights: dnnl_memory_desc_t, relu: Bool = false
    ) throws(DNNLError) {
      core = try DNNLPrimitive(operation, context: context, hint: hint, relu: relu)
      var info: UnsafePointer<CChar>?
      _ = dnnl_primitive_desc_query(core.descriptor, dnnl_query_impl_info_str, 0, &info)
      implementation = info.map { String(cString: $0) } ?? "unknown"
      guard let wanted = dnnl_primitive_desc_query_md(core.descriptor, weightsQuery, 0) else {
        throw .status(call: "dnnl_primitive_desc_query_md", code: -1)
      }
      var user = userWeights
      if dnnl_memory_desc_equal(wanted, &user) != 0 {
        (weightsBuffer, reorderInto, reorderOutOf) = (nil, nil, nil)
      } else {
        weightsBuffer = try Self.allocate(wanted, context)
        reorderInto = try Self.reorder(from: &user, to: wanted, context)
        reorderOutOf = try Self.reorder(from: wanted, to: &user, context)
      }
    }

    deinit {
      if let reorderInto { dnnl_primitive_destroy(reorderInto) }
      if let reorderOutOf { dnnl_primitive_destroy(reorderOutOf) }
      if let weightsBuffer { dnnl_memory_destroy(weightsBuffer) }
    }

    /// The weights memory the primitive reads or writes: the buffer, or the user's HWIO memory.
    func weightsMemory(_ user: UserMemory) -> dnnl_memory_t { weightsBuffer ?? user.memory }

    /// Copies the user's HWIO weights into the buffer (nothing when the primitive reads HWIO).
    func reorderIn(from user: UserMemory, _ context: DNNL) {
      guard let reorderInto, let weightsBuffer else { return }
      run(reorderInto, from: user.memory, to: weightsBuffer, context)
    }

    /// Copies the buffer back to the user's HWIO memory (nothing when the primitive writes HWIO).
    func reorderOut(to user: UserMemory, _ context: DNNL) {
      guard let reorderOutOf, let weightsBuffer else { return }
      run(reorderOutOf, from: weightsBuffer, to: user.memory, context)
    }

    func run(_ reorder: dnnl_primitive_t, from: dnnl_memory_t, to: dnnl_memory_t, _ context: DNNL) {
      withUnsafeTemporaryAllocation(of: dnnl_exec_arg_t.self, capacity: 2) { args in
        args[0] = dnnl_exec_arg_t(arg: Argument.from, memory: from)
        args[1] = dnnl_exec_arg_t(arg: Argument.to, memory: to)
        let status = dnnl_primitive_execute(reorder, context.stream, 2, args.baseAddress)
        precondition(status == dnnl_success, "reorder failed with status \(status.rawValue)")
        _ = dnnl_stream_wait(context.stream)
      }
    }

    /// A library-allocated memory object for `descriptor` (an empty one when nil or of size 0).
    static func allocate(
      _ descriptor: UnsafePointer<dnnl_memory_desc_t>?, _ context: DNNL
    ) throws(DNNLError) -> dnnl_memory_t {
      var md = descriptor?.pointee ?? dnnl_memory_desc_t()
      var memory: dnnl_memory_t?
      try DNNL.check(
        dnnl_memory_create(&memory, &md, context.engine, lrd_dnnl_memory_allocate()), "dnnl_memory_create")
      guard let memory else { throw .status(call: "dnnl_memory_create", code: -1) }
      return memory
    }

    /// A reorder primitive between two formats of the same weights.
    static func reorder(
      from source: UnsafePointer<dnnl_memory_desc_t>, to destination: UnsafePointer<dnnl_memory_desc_t>,
      _ context: DNNL
    ) throws(DNNLError) -> dnnl_primitive_t {
      var descriptor: dnnl_primitive_desc_t?
      try DNNL.check(
        dnnl_reorder_primitive_desc_create(
          &descriptor, source, context.engine, destination, context.engine, nil),
        "dnnl_reorder_primitive_desc_create")
      guard let descriptor else { throw .status(call: "dnnl_reorder_primitive_desc_create", code: -1) }
      defer { dnnl_primitive_desc_destroy(descriptor) }
      var primitive: dnnl_primitive_t?
      try DNNL.check(dnnl_primitive_create(&primitive, descriptor), "dnnl_primitive_create (reorder)")
      guard let primitive else { throw .status(call: "dnnl_primitive_create", code: -1) }
      return primitive
    }
  }
}

/// One oneDNN primitive: its descriptor, the primitive and its user scratchpad (shared by every DNNL
/// kernel; weights, when a primitive has them, are handled by `DNNLConvolution.Step`).
final class DNNLPrimitive {
  let descriptor: dnnl_primitive_desc_t
  let primitive: dnnl_primitive_t
  let scratchpad: dnnl_memory_t

  /// `operation` points at a oneDNN operation descriptor; `relu` appends a ReLU post-op.
  init(
    _ operation: UnsafeRawPointer, context: DNNL, hint: dnnl_primitive_desc_t? = nil, relu: Bool = false
  ) throws(DNNLError) {
    var attributes: dnnl_primitive_attr_t?
    try DNNL.check(dnnl_primitive_attr_create(&attributes), "dnnl_primitive_attr_create")
    defer { dnnl_primitive_attr_destroy(attributes) }
    try DNNL.check(
      dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user),
      "dnnl_primitive_attr_set_scratchpad_mode")
    if relu {
      var postOps: dnnl_post_ops_t?
      try DNNL.check(dnnl_post_ops_create(&postOps), "dnnl_post_ops_create")
      defer { dnnl_post_ops_destroy(postOps) }
      try DNNL.check(
        dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "dnnl_post_ops_append_eltwise")
      try DNNL.check(
        dnnl_primitive_attr_set_post_ops(attributes, postOps), "dnnl_primitive_attr_set_post_ops")
    }
    var descriptor: dnnl_primitive_desc_t?
    try DNNL.check(
      dnnl_primitive_desc_create(&descriptor, operation, attributes, context.engine, hint),
      "dnnl_primitive_desc_create")
    guard let descriptor else { throw .status(call: "dnnl_primitive_desc_create", code: -1) }
    self.descriptor = descriptor
    var primitive: dnnl_primitive_t?
    try DNNL.check(dnnl_primitive_create(&primitive, descriptor), "dnnl_primitive_create")
    guard let primitive else { throw .status(call: "dnnl_primitive_create", code: -1) }
    self.primitive = primitive
    scratchpad = try DNNLConvolution.Step.allocate(
      dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0), context)
  }

  deinit {
    dnnl_memory_destroy(scratchpad)
    dnnl_primitive_destroy(primitive)
    dnnl_primitive_desc_destroy(descriptor)
  }

  /// Runs the primitive with the arguments `fill` writes (returning their count, at most 9) and its
  /// scratchpad, then waits for the stream.
  func execute(_ context: DNNL, _ fill: (UnsafeMutableBufferPointer<dnnl_exec_arg_t>) -> Int) {
    withUnsafeTemporaryAllocation(of: dnnl_exec_arg_t.self, capacity: 10) { args in
      let count = fill(args)
      args[count] = dnnl_exec_arg_t(arg: Argument.scratchpad, memory: scratchpad)
      let status = dnnl_primitive_execute(primitive, context.stream, Int32(count + 1), args.baseAddress)
      precondition(status == dnnl_success, "dnnl_primitive_execute failed with status \(status.rawValue)")
      let waited = dnnl_stream_wait(context.stream)
      precondition(waited == dnnl_success, "dnnl_stream_wait failed with status \(waited.rawValue)")
    }
  }
}
