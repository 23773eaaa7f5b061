import Machine
import Profiling
import Results
import Statistics
import Tensors

/// A unit of measurement in a journaled run: a stable id (the journal key) and the thread config it
/// runs under.
package protocol MeasurementTask: Codable, Sendable, Hashable {
  var id: String { get }
  var config: ThreadConfig { get }
}

/// What a task's measurement records: its order in the run, the measurement, and the paired
/// comparison with its reference when it had one.
package protocol MeasuredResult: Codable, Sendable {
  var sequence: Int { get }
  var measurement: PointMeasurement { get }
  var comparison: PairedComparison? { get }
}

extension PointResult: MeasuredResult {}

/// One journal line: a task and what was measured for it.
package struct TaskEntry<Task: MeasurementTask, Result: MeasuredResult>: Codable, Sendable {
  package var task: Task
  /// What was measured for it.
  package var result: Result

  package init(task: Task, result: Result) {
    self.task = task
    self.result = result
  }
}

/// What one task measures: a point, alone or paired with a reference, with a sampler configuration.
package struct TaskMeasurement: Sendable {
  package var point: PointSpec
  /// The reference it is paired with, nil when measured alone.
  package var reference: PointSpec?
  /// How it is sampled.
  package var sampler: SamplerConfiguration

  package init(point: PointSpec, reference: PointSpec?, sampler: SamplerConfiguration) {
    self.point = point
    self.reference = reference
    self.sampler = sampler
  }
}

/// Measures tasks in order under their thread configs, writing each result to the journal as soon as it is
/// measured and skipping what the journal already holds (resume).
///
/// Ctrl-C (or SIGTERM/SIGHUP) stops after the current sample; the unfinished task is dropped, never journaled
/// or used.
package final class TaskExecutor<Task: MeasurementTask, Result: MeasuredResult> {
  let journal: Journal<TaskEntry<Task, Result>>
  let topology: Topology
  let events: EventSink
  /// Every result known so far (journaled earlier or measured now), by task id.
  package private(set) var results: [String: Result]
  /// The binding read back for each thread config applied.
  package private(set) var bindings: [ThreadConfig: BindingRecord] = [:]
  /// Tasks measured by this process (not read from the journal).
  package private(set) var measuredCount = 0
  /// True once a task was interrupted.
  package private(set) var interrupted = false
  /// Tasks whose progress step was reported (a task asked for twice, like a check shared by two
  /// policies, counts once).
  private var reported: Set<String> = []
  private var nextSequence: Int

  /// An executor over `journal` (whose entries count as already measured).
  package init(journal: Journal<TaskEntry<Task, Result>>, topology: Topology, events: @escaping EventSink) {
    self.journal = journal
    self.topology = topology
    self.events = events
    var known: [String: Result] = [:]
    for entry in journal.entries { known[entry.task.id] = entry.result }
    results = known
    nextSequence = (known.values.map(\.sequence).max() ?? -1) + 1
    if journal.repairedBytes > 0 {
      events(
        .warning(
          "\(journal.path): cut \(journal.repairedBytes) bytes of a torn last line (a crash or a full disk while "
            + "writing); the point it held will be measured again"))
    }
    if journal.duplicateLines > 0 {
      events(
        .warning(
          "\(journal.path): dropped \(journal.duplicateLines) line(s) repeating an earlier line exactly; each "
            + "point counts once"))
    }
  }

  /// Applies `config` (once per config) and returns what was read back.
  @discardableResult
  package func bind(_ config: ThreadConfig) throws -> BindingRecord {
    if let record = bindings[config], BLAS.threads == config.threads { return record }
    let record = try topology.apply(config)
    if !record.verified {
      events(
        .warning("binding \(config) could not be verified (planned PUs \(record.plannedProcessingUnits))"))
    }
    bindings[config] = record
    return record
  }

  /// Measures every task of `tasks` not yet known with `measure(task, binding, sequence)`; `phase` (when
  /// given) starts a progress phase and reports what a resume found.
  ///
  /// Returns false when interrupted.
  @discardableResult
  package func run(
    _ tasks: [Task], phase: String?, measure: (Task, BindingRecord, Int) throws -> Result
  ) throws -> Bool {
    if let phase {
      events(.phase(label: phase, steps: tasks.count))
      let known = tasks.filter { results[$0.id] != nil }.count
      if known > 0 { events(.resumed(measured: known, of: tasks.count)) }
    }
    for task in tasks {
      let binding = try bind(task.config)
      if results[task.id] != nil {
        if reported.insert(task.id).inserted {
          events(.step(.init(name: task.id, detail: .alreadyMeasured, seconds: nil)))
        }
        continue
      }
      if Interruption.isRequested {
        interrupted = true
        return false
      }
      let result = try measure(task, binding, nextSequence)
      if result.measurement.stopReason == .interrupted {
        interrupted = true
        return false
      }
      try journal.append(TaskEntry(task: task, result: result))
      results[task.id] = result
      nextSequence += 1
      measuredCount += 1
      let detail: HarnessEvent.Detail
      if let comparison = result.comparison {
        detail = .ratio(
          value: comparison.ratio, lower: comparison.ratioCI.lower, upper: comparison.ratioCI.upper)
      } else {
        let statistics = result.measurement.statistics
        detail = .timing(median: statistics.median, relativeHalfWidth: statistics.relativeHalfWidth)
      }
      reported.insert(task.id)
      events(.step(.init(name: task.id, detail: detail, seconds: result.measurement.elapsedSeconds)))
    }
    return true
  }
}

extension TaskExecutor where Result == PointResult {
  /// Measures every task not yet known as `describe` says, with `runner`'s layer programs: alone, or
  /// paired with the reference when the description has one.
  @discardableResult
  package func run(
    _ tasks: [Task], phase: String?, runner: PointRunner, describe: (Task) throws -> TaskMeasurement
  ) throws -> Bool {
    try run(tasks, phase: phase) { task, binding, sequence in
      let what = try describe(task)
      if let reference = what.reference {
        return try runner.measure(
          what.point, pairedWith: reference, sampler: what.sampler, binding: binding, sequence: sequence)
      }
      return try runner.measure(what.point, sampler: what.sampler, binding: binding, sequence: sequence)
    }
  }
}
