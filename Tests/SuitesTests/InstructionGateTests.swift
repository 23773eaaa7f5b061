import Foundation
import Testing

@testable import Suites

@Suite("Instruction-count gate")
struct InstructionGateTests {
  @Test func totalsAreReadFromACallgrindFile() {
    let text = """
      # callgrind format
      version: 1
      events: Ir
      fn=main
      3 100
      summary: 123456
      totals: 123456
      """
    #expect(InstructionGate.totals(text) == 123456)
    #expect(InstructionGate.totals("events: Ir\nfn=x\n") == nil)
  }

  @Test func annotateLinesGiveInstructionsPerFunction() {
    let text = """
      --------------------------------------------------------------------------------
      Ir
      --------------------------------------------------------------------------------
      1,000,000 (100.0%)  PROGRAM TOTALS

      --------------------------------------------------------------------------------
      Ir                 file:function
      --------------------------------------------------------------------------------
      600,000 (60.00%)  ???:$s7Kernels6Im2colO4pack [/x/lrd-bench]
      400,000 (40.00%)  ???:sgemm_kernel [/usr/lib/libopenblas.so.0]
      """
    let functions = InstructionGate.parseAnnotate(text)
    #expect(functions.count == 2)
    // lrd-bench's own functions are named without the binary (base and new have different paths).
    #expect(functions["???:$s7Kernels6Im2colO4pack"] == 600_000)
    #expect(functions["???:sgemm_kernel [/usr/lib/libopenblas.so.0]"] == 400_000)
  }

  @Test(
    "A change beyond ±0.5% is flagged, within it is not",
    arguments: [
      (1000.0, 1004.0, false), (1000.0, 1006.0, true), (1000.0, 990.0, true), (1000.0, 1000.0, false),
    ])
  func tolerance(base: Double, new: Double, flagged: Bool) {
    let comparison = InstructionGate.compare(
      name: "p", base: .init(perCall: base, file: "/nonexistent-a"),
      new: .init(perCall: new, file: "/nonexistent-b"))
    #expect(comparison.flagged == flagged)
    #expect(abs(comparison.change - (new / base - 1)) < 1e-12)
  }
}
