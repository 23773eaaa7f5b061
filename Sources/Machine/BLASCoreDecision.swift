import Tensors

/// A candidate core checked in a child process: what it reported and whether it passed.
package struct CandidateCheck: Sendable, Equatable {
  /// The core name the child was asked to run (its `OPENBLAS_CORETYPE`).
  package var requested: String
  /// The core the child actually ran (OpenBLAS ignores names it does not offer).
  package var reported: String?
  /// The child's self-check, nil when it gave no usable answer.
  package var selfCheck: BLASSelfCheck?
  /// Why the child gave no usable answer (crash, timeout, unreadable output).
  package var failure: String?

  /// A candidate's check result.
  package init(requested: String, reported: String?, selfCheck: BLASSelfCheck?, failure: String?) {
    self.requested = requested
    self.reported = reported
    self.selfCheck = selfCheck
    self.failure = failure
  }

  /// The child ran the requested core and its self-check passed.
  package var accepted: Bool {
    failure == nil && reported?.lowercased() == requested.lowercased() && selfCheck?.passed == true
  }

  /// Why it was not accepted, in words.
  package var problem: String {
    if let failure { return failure }
    if let reported, reported.lowercased() != requested.lowercased() {
      return "this OpenBLAS build does not offer \(requested) (it ran \(reported))"
    }
    if let selfCheck, !selfCheck.passed { return "self-check \(selfCheck.summary)" }
    return "no result"
  }
}

/// The choice of core, as a pure function of what the process knows (tested without processes).
package enum BLASCoreDecision: Equatable, Sendable {
  /// Measure with the core already loaded.
  case run(BLASCoreReport)
  /// Restart the process with `OPENBLAS_CORETYPE` set to the core (nil: unset) and this state.
  case restart(coretype: String?, state: BLASCoreReport)

  /// What the decision needs: the request, the CPU, the loaded core, the environment variable, and two
  /// probes run only when needed (a child without `OPENBLAS_CORETYPE`; a child with a candidate core).
  package struct Inputs {
    /// What the user asked for (`--blas-core` or `LRD_BENCH_BLAS_CORE`).
    package var request: BLASCoreRequest
    /// The CPU's vendor, model and ISA.
    package var cpu: CPUFeatures
    /// The core this process loaded (`openblas_get_corename`).
    package var current: String
    /// `OPENBLAS_CORETYPE` as set in the environment, nil when unset.
    package var coretypeVariable: String?
    /// A core to pretend OpenBLAS chose itself (`LRD_BENCH_SIMULATE_GENERIC_CORE`, a test knob), nil
    /// normally.
    package var simulatedChoice: String?
    /// Runs a child without `OPENBLAS_CORETYPE` and returns the core it loaded (nil when it cannot tell).
    package var probeOpenBLASChoice: () -> String?
    /// Runs a child with the named core and returns its self-check.
    package var verify: (String) -> CandidateCheck

    package init(
      request: BLASCoreRequest, cpu: CPUFeatures, current: String, coretypeVariable: String?,
      simulatedChoice: String? = nil, probeOpenBLASChoice: @escaping () -> String?,
      verify: @escaping (String) -> CandidateCheck
    ) {
      self.request = request
      self.cpu = cpu
      self.current = current
      self.coretypeVariable = coretypeVariable
      self.simulatedChoice = simulatedChoice
      self.probeOpenBLASChoice = probeOpenBLASChoice
      self.verify = verify
    }
  }

  /// Decides (docs/methods.md "OpenBLAS core"): respect `OPENBLAS_CORETYPE` (warning when
  /// it is weaker than the CPU); keep OpenBLAS's own choice when it matches the CPU; otherwise try the
  /// candidates best first, each verified in a child, and restart with the first that passes; when
  /// none passes, stay on OpenBLAS's choice and say so loudly.
  package static func decide(_ inputs: Inputs) -> BLASCoreDecision {
    let cpu = inputs.cpu
    let current = inputs.current
    let simulated = inputs.coretypeVariable == nil ? inputs.simulatedChoice : nil
    let known: String? = simulated ?? (inputs.coretypeVariable == nil ? current : nil)
    func report(_ selection: BLASCoreReport.Selection, core: String, reason: String, own: String?)
      -> BLASCoreReport
    {
      BLASCoreReport(
        isa: cpu.summary, isaLevel: cpu.level, openBLASChoice: own, coreUsed: core, selection: selection,
        reason: reason, coretypeVariable: inputs.coretypeVariable, selfCheck: nil, warnings: [],
        selectionSeconds: 0, simulatedOpenBLASChoice: simulated)
    }
    func weaknessWarning(_ core: String, _ what: String) -> String? {
      guard OpenBLASCores.isWeaker(core, than: cpu) else { return nil }
      let level = OpenBLASCores.level(of: core).map(\.description) ?? "?"
      return
        "\(what): \(core) runs \(level) kernels, weaker than this CPU's \(cpu.summary); its timings are not "
        + "what a user of this CPU gets in production (slow GEMMs flatter every FLOP reduction)"
    }
    switch inputs.request {
    case .keep:
      var result = report(
        .keep, core: current, reason: "keep requested: measuring the core OpenBLAS runs",
        own: known ?? inputs.probeOpenBLASChoice())
      if let warning = weaknessWarning(current, "keep requested") { result.warnings.append(warning) }
      return .run(result)
    case .named(let name):
      if simulated == nil && current.lowercased() == name.lowercased() {
        return .run(
          report(
            .named, core: current, reason: "\(name) requested", own: known ?? inputs.probeOpenBLASChoice()))
      }
      let check = inputs.verify(name)
      let own = known ?? inputs.probeOpenBLASChoice()
      if check.accepted {
        var state = report(
          .named, core: name, reason: "\(name) requested, self-check passed in a child process", own: own)
        if let warning = weaknessWarning(name, "\(name) requested") { state.warnings.append(warning) }
        return .restart(coretype: name, state: state)
      }
      return fallback(
        inputs, own: own, message: "the requested core \(name) was not used: \(check.problem)", report: report
      )
    case .auto:
      if let variable = inputs.coretypeVariable {
        var result = report(
          .user, core: current,
          reason: "OPENBLAS_CORETYPE=\(variable) is set in the environment and respected",
          own: inputs.probeOpenBLASChoice())
        if current.lowercased() != variable.lowercased() {
          result.warnings.append(
            "OPENBLAS_CORETYPE=\(variable) names no core this OpenBLAS offers; it runs \(current) instead")
        }
        if let warning = weaknessWarning(current, "OPENBLAS_CORETYPE=\(variable)") {
          result.warnings.append(warning + "; unset OPENBLAS_CORETYPE to let lrd-bench choose")
        }
        return .run(result)
      }
      let own = known ?? current
      guard OpenBLASCores.isWeaker(own, than: cpu) else {
        let level = OpenBLASCores.level(of: own).map { " (\($0) kernels)" } ?? ""
        return .run(
          report(
            .openblas, core: current, reason: "OpenBLAS's own choice\(level) suits this \(cpu.summary) CPU",
            own: own))
      }
      var problems: [String] = []
      for candidate in OpenBLASCores.candidates(for: cpu) {
        let check = inputs.verify(candidate)
        if check.accepted {
          return .restart(
            coretype: candidate,
            state: report(
              .auto, core: candidate,
              reason:
                "OpenBLAS chose its generic \(own) core (\(OpenBLASCores.level(of: own)!) kernels) on this "
                + "\(cpu.summary) CPU; auto chose \(candidate), the best core this build offers for it, after a "
                + "self-check in a child process",
              own: own))
        }
        problems.append("\(candidate): \(check.problem)")
      }
      return fallback(
        inputs, own: own,
        message: "OpenBLAS runs its generic \(own) core and no better core passed: "
          + problems.joined(separator: "; "), report: report)
    }
  }

  /// Stay on (or go back to) OpenBLAS's own choice, loudly.
  static func fallback(
    _ inputs: Inputs, own: String?, message: String,
    report: (BLASCoreReport.Selection, String, String, String?) -> BLASCoreReport
  ) -> BLASCoreDecision {
    var state = report(
      .fallback, inputs.coretypeVariable == nil ? inputs.current : (own ?? "?"), message, own)
    state.warnings.append(message + "; measuring OpenBLAS's own choice \(own ?? "(unknown)") instead")
    if inputs.coretypeVariable != nil { return .restart(coretype: nil, state: state) }
    return .run(state)
  }
}
