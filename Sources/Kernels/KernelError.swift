import Geometry
import Support

/// Errors raised when building kernels: an impossible shape, or buffers that do not fit it.
package enum KernelError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  case invalidGeometry(GeometryError)
  case shapeMismatch(String)
  /// The kernel backend could not build this kernel (oneDNN's message).
  case backend(String)

  /// The message printed for this error: the mismatch and the expected shape.
  package var description: String {
    switch self {
    case .invalidGeometry(let error): return error.description
    case .shapeMismatch(let message): return "shape mismatch: \(message)"
    case .backend(let message): return message
    }
  }

  /// Always bad input (exit 64).
  package var isBadInput: Bool { true }
}

extension ConvGeometry {
  /// `validate()` with the error as a `KernelError`.
  func validateForKernel() throws(KernelError) {
    do {
      try validate()
    } catch {
      throw .invalidGeometry(error)
    }
  }
}
