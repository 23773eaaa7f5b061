import Support

/// Errors of the counter layer.
package enum CounterError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  case unavailable(event: String, reason: String)
  case papi(PAPIError)
  /// A requested event that is neither a PAPI preset, a perf:: event nor a name PAPI resolves.
  case unknownEvent(name: String, suggestions: [String])
  /// An event named twice (it would be counted twice).
  case duplicateEvent(name: String)

  /// The message printed for this error: the event or call, and what failed.
  package var description: String {
    switch self {
    case .unavailable(let event, let reason): return "\(event): \(reason)"
    case .papi(let error): return "PAPI \(error.function): \(error)"
    case .unknownEvent(let name, let suggestions):
      return "unknown event '\(name)'; close names: \(suggestions.joined(separator: ", ")) "
        + "(PAPI presets, perf:: software events, or component::event names; 'none' for no events)"
    case .duplicateEvent(let name):
      return "event '\(name)' is named twice; name each event once"
    }
  }

  /// Whether this case is bad input (exit 64) rather than a failure (exit 1).
  package var isBadInput: Bool {
    switch self {
    case .unknownEvent, .duplicateEvent: return true
    case .unavailable, .papi: return false
    }
  }
}
