/// The counter events each command measures unless `--events` says otherwise: one list per kind of
/// command, defined once.
package enum DefaultEvents {
  /// `counters`: the hardware presets worth probing and the software events that work without a PMU.
  package static let inspection = [
    "PAPI_TOT_CYC", "PAPI_TOT_INS", "PAPI_L1_DCM", "PAPI_L2_DCM", "PAPI_L3_TCM", "PAPI_SP_OPS", "PAPI_VEC_SP",
    "perf::TASK-CLOCK", "perf::PAGE-FAULTS", "perf::CONTEXT-SWITCHES",
  ]
  /// `time`: one point in depth.
  package static let point = [
    "PAPI_TOT_CYC", "PAPI_TOT_INS", "PAPI_L1_DCM", "PAPI_SP_OPS", "perf::TASK-CLOCK", "perf::PAGE-FAULTS",
    "perf::CONTEXT-SWITCHES",
  ]
  /// `sweep`: cycles and instructions where a PMU exists, CPU use and page faults everywhere.
  package static let sweep = ["PAPI_TOT_CYC", "PAPI_TOT_INS", "perf::TASK-CLOCK", "perf::PAGE-FAULTS"]
  /// Studies of many points (`ranks`, `branches`, `model`, `table`): cheap software events only.
  package static let study = ["perf::TASK-CLOCK", "perf::PAGE-FAULTS"]
  /// `kernels`: none (the interleaved sgemm reference is the comparison).
  package static let kernels: [String] = []
}
