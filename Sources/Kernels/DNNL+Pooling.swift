import CDNNL
import Geometry
import Tensors

/// k×k max pooling as oneDNN primitives over lrd-bench's NHWC buffers: forward (training form, which
/// records the winners in a library-allocated workspace) and backward (overwrites dx).
///
/// Padded positions never win, as in lrd-bench's own `MaxPool`. Primitives, workspace and scratchpads are
/// made in `init`.
package final class DNNLMaxPool {
  /// The window (kernel, stride, padding) and batch.
  package let geometry: ConvGeometry
  let context: DNNL
  let source: DNNLConvolution.UserMemory
  let destination: DNNLConvolution.UserMemory
  let workspace: dnnl_memory_t
  let forwardPool: DNNLPrimitive
  let backwardPool: DNNLPrimitive

  /// Primitives for `geometry` (`kernel`, `stride`, `padding`; channels in and out equal).
  package init(_ geometry: ConvGeometry) throws(DNNLError) {
    guard let context = DNNL.shared else { throw .status(call: "dnnl_engine_create", code: -1) }
    self.geometry = geometry
    self.context = context
    let d = try DNNLConvolution.Descriptors(geometry)
    source = try .init(d.source, context)
    destination = try .init(d.destination, context)
    let kernel = [Int64(geometry.kernel), Int64(geometry.kernel)]
    var forward = dnnl_pooling_desc_t()
    try DNNL.check(
      dnnl_pooling_forward_desc_init(
        &forward, dnnl_forward_training, dnnl_pooling_max, [d.source], [d.destination], d.strides, kernel,
        d.paddingLeft, d.paddingRight),
      "dnnl_pooling_forward_desc_init")
    forwardPool = try DNNLPrimitive(&forward, context: context)
    workspace = try DNNLConvolution.Step.allocate(
      dnnl_primitive_desc_query_md(forwardPool.descriptor, dnnl_query_workspace_md, 0), context)
    var backward = dnnl_pooling_desc_t()
    try DNNL.check(
      dnnl_pooling_backward_desc_init(
        &backward, dnnl_pooling_max, [d.source], [d.destination], d.strides, kernel, d.paddingLeft,
        d.paddingRight),
      "dnnl_pooling_backward_desc_init")
    backwardPool = try DNNLPrimitive(&backward, context: context, hint: forwardPool.descriptor)
  }

  deinit { dnnl_memory_destroy(workspace) }

  /// y ← the window maxima of x, recording the winners for `backward`.
  package func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    source.attach(x)
    destination.attach(y)
    forwardPool.execute(context) { args in
      args[0] = dnnl_exec_arg_t(arg: Argument.source, memory: source.memory)
      args[1] = dnnl_exec_arg_t(arg: Argument.destination, memory: destination.memory)
      args[2] = dnnl_exec_arg_t(arg: Argument.workspace, memory: workspace)
      return 3
    }
  }

  /// dx ← dy scattered to the winners of the last forward pass (overwrites dx).
  package func backward(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
    destination.attach(UnsafeMutablePointer(mutating: dy))
    source.attach(dx)
    backwardPool.execute(context) { args in
      args[0] = dnnl_exec_arg_t(arg: Argument.diffDestination, memory: destination.memory)
      args[1] = dnnl_exec_arg_t(arg: Argument.diffSource, memory: source.memory)
      args[2] = dnnl_exec_arg_t(arg: Argument.workspace, memory: workspace)
      return 3
    }
  }
}
