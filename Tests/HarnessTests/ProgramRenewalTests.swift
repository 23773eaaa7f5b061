import Machine
import Testing

@testable import Harness

@Suite("Program renewal (A/B workers)")
struct ProgramRenewalTests {
  @Test func keptProgramsAreReusedUntilRenewedThenBuiltAnew() throws {
    let runner = PointRunner(
      model: .resnet50, events: [], topology: try Topology().summary, keepsEveryProgram: true)
    let spec = PointSpec(
      model: .resnet50, layer: "fc", factorization: .svd(rank: 64), batch: 1, mode: .inference,
      threads: ThreadConfig(threads: 1, binding: .compact))
    let first = try runner.program(for: spec)
    #expect(try runner.program(for: spec) === first, "a kept program is measured again, not rebuilt")
    runner.renewPrograms()
    let second = try runner.program(for: spec)
    #expect(second !== first, "after renewal the program is built anew")
    #expect(try runner.program(for: spec) === second)
    // Without keepsEveryProgram a decomposed layer's program is built for every measurement.
    let plain = PointRunner(model: .resnet50, events: [], topology: try Topology().summary)
    #expect(try plain.program(for: spec) !== plain.program(for: spec))
  }
}
