import Networks

/// One layer over a rank sweep per thread config, every rank paired with the original, and each policy's
/// decision (see `SweepRunner`).
package enum SweepStudy: MultiBackendStudy {
  package static let kind = "sweep"
  package static let planFile = "plan.json"

  /// The layer's name, with characters a path cannot hold as one component (an ONNX node's `/`) as `_`.
  package static func directoryName(for plan: SweepPlan) -> String {
    String(plan.layer.map { $0 == "/" || $0 == "\0" || $0 == " " ? "_" : $0 })
  }

  package static func validate(_ plan: SweepPlan, cores: Int) throws { try plan.validate(cores: cores) }

  /// The original's program and the largest rank's, alive together.
  package static func checkMemory(_ plan: SweepPlan) throws {
    let layer = try plan.layerSpec()
    let largest = plan.factorization(for: layer, rank: plan.anchor ?? plan.from)
    let bytes =
      MemoryEstimate.layerProgram(layer, .original, batch: plan.batch, mode: plan.mode)
      + MemoryEstimate.layerProgram(layer, largest, batch: plan.batch, mode: plan.mode)
    try MemoryEstimate.check(
      bytes, for: "\(plan.layer) at batch \(plan.batch)", reduce: .batch)
  }

  package static func backendCheck(_ plan: SweepPlan, in context: StudyContext) -> (
    () throws -> BackendCheck
  )? {
    {
      try BackendChecker.layer(
        try plan.layerSpec(), batch: plan.batch, mode: plan.mode,
        threads: plan.threadConfigs.last
          ?? .init(threads: context.topology.summary.coreCount, binding: .compact),
        topology: context.topology)
    }
  }

  package static func run(_ plan: SweepPlan, in context: StudyContext) throws -> SweepResult {
    try SweepRunner(
      plan: plan, directory: context.directory, topology: context.topology, events: context.events
    )
    .run(phase: context.phase)
  }
}

extension SweepResult: StudyResult {}
extension RanksResult: StudyResult {}
extension BranchesResult: StudyResult {}
extension TableResult: StudyResult {}
