/// What orchestration code tells its caller while it runs; the CLI renders it (progress bar, ETA, warnings on
/// stderr), tests collect it.
///
/// Library code never writes to stdout or stderr itself.
package enum HarnessEvent: Sendable, Equatable {
  /// A phase of `steps` steps begins (a sweep's tasks, a study's shapes, …); `label` names it.
  case phase(label: String, steps: Int)
  /// One step of the current phase finished.
  case step(Step)
  /// Points found in the journal of a resumed run.
  case resumed(measured: Int, of: Int)
  /// Something the user should know that does not stop the run.
  case warning(String)

  /// One finished step: what it was and, when measured, its result and the time it took.
  package struct Step: Sendable, Equatable {
    /// A short name, for example "2t-compact/rank/298" or "layer1.0.conv2".
    package var name: String
    /// What the step measured, or why it was skipped.
    package var detail: Detail
    /// Wall seconds spent on the step (nil for skipped steps, which do not count toward the ETA).
    package var seconds: Double?

    package init(name: String, detail: Detail, seconds: Double?) {
      self.name = name
      self.detail = detail
      self.seconds = seconds
    }
  }

  /// The measured outcome of a step, as data (the renderer formats it).
  package enum Detail: Sendable, Equatable {
    /// A point: median seconds per call and the relative half-width of its CI.
    case timing(median: Double, relativeHalfWidth: Double)
    /// A point measured against a reference: ratio t/T and its CI.
    case ratio(value: Double, lower: Double, upper: Double)
    /// Throughputs in GFLOP/s: the measured code and its reference.
    case throughput(measured: Double, reference: Double)
    /// Already in the journal (resume).
    case alreadyMeasured
    case none
  }
}

/// Where events go: a closure the caller supplies (the CLI renders, tests record, `ignore` drops).
package typealias EventSink = @Sendable (HarnessEvent) -> Void

/// Event sinks that need no state.
package enum EventSinks {
  package static let ignore: EventSink = { _ in }
}
