import Foundation
import Harness
import Machine
import Profiling
import Results
import Support

/// The worker side of the A/B protocol (`WorkerProtocol`): answers requests read by `read` with replies
/// given to `write` until `quit` or the end of input.
///
/// Each case's program is built on first use and kept, so every later round measures the same program.
/// Errors while measuring become `error` replies; the loop goes on.
package final class WorkerServer {
  let topology: Topology
  let identity: (version: String, commit: String, build: String)
  let measurer: CaseMeasurer
  /// The test knobs in force (an injected slowdown).
  let knobs: TestKnobs
  private var current: [String: SuiteCase] = [:]

  /// A server measuring on `topology`, introducing itself with `version`, `commit` and `build`.
  package init(
    topology: Topology, version: String, commit: String, build: String, knobs: TestKnobs = .current
  ) {
    self.topology = topology
    self.knobs = knobs
    identity = (version, commit, build)
    measurer = CaseMeasurer(topology: topology, keepsEveryProgram: true)
  }

  /// Serves until `quit` or until `read` returns nil.
  package func serve(read: () -> String?, write: (String) -> Void) {
    var hello = WorkerReply(type: "hello")
    hello.protocol = WorkerProtocol.version
    hello.version = identity.version
    hello.commit = identity.commit
    hello.build = identity.build
    write(Self.encode(hello))
    while let line = read() {
      guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
      let request: WorkerRequest
      do {
        request = try JSONCoding.decoder.decode(WorkerRequest.self, from: Data(line.utf8))
      } catch {
        write(Self.encode(Self.error("not a request: \(line.prefix(80))")))
        continue
      }
      if request.type == "quit" { return }
      write(Self.encode(answer(request)))
    }
  }

  /// The reply to one request.
  func answer(_ request: WorkerRequest) -> WorkerReply {
    do {
      switch request.type {
      case "cases":
        guard let path = request.suite else { return Self.error("cases needs a suite") }
        let suite = try SuiteParser.load(path)
        let cases = suite.expanded(cores: topology.summary.coreCount)
        current = Dictionary(cases.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for item in cases { try measurer.validate(item) }
        var reply = WorkerReply(type: "cases")
        reply.names = cases.map(\.name)
        return reply
      case "renew":
        measurer.renewPrograms()
        return WorkerReply(type: "renewed")
      case "measure":
        guard let name = request.name, let budget = request.budget, budget > 0, budget.isFinite else {
          return Self.error("measure needs a name and a positive budget")
        }
        guard let item = current[name] else { return Self.error("no case '\(name)' in this worker's suite") }
        return try measure(item, budget: budget, sequence: request.sequence ?? 0, core: request.core ?? 0)
      default:
        return Self.error("unknown request type '\(request.type)'")
      }
    } catch {
      return Self.error("\(error)")
    }
  }

  /// One measurement of `item` on its thread config: samples until the budget is spent (no early stop, so
  /// both builds get the same time), at least 3 samples.
  func measure(_ item: SuiteCase, budget: Double, sequence: Int, core: Int) throws -> WorkerReply {
    let start = MonotonicClock.now()
    let binding = try topology.apply(item.threads, firstCore: core)
    let slowdown = knobs.slowdownFraction(for: item.name)
    let sampler = SamplerConfiguration(
      targetRelativeHalfWidth: 1e-9, budgetSeconds: budget, minimumSamples: 3, maximumBudgetFactor: 1)
    let result = try measurer.measure(
      item, sampler: sampler, binding: binding, sequence: sequence, slowdown: slowdown)
    var reply = WorkerReply(type: "samples")
    reply.name = item.name
    reply.samples = result.measurement.samples
    reply.callsPerSample = result.measurement.callsPerSample
    reply.injected = slowdown
    reply.seconds = MonotonicClock.seconds(since: start)
    return reply
  }

  static func error(_ message: String) -> WorkerReply {
    var reply = WorkerReply(type: "error")
    reply.message = message
    return reply
  }

  /// One line of JSON (no newline).
  package static func encode(_ value: some Encodable) -> String {
    (try? JSONCoding.compactString(value)) ?? #"{"type":"error","message":"unencodable reply"}"#
  }
}
