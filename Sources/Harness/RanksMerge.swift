import Foundation
import Machine
import Results

/// Joins the shards of a `ranks` study (`ranks --shard i/n`, each in its own directory) into one result,
/// identical in form to an unsharded study's: the same rows in catalog order, each layer once.
///
/// Refused with the reason: a directory that is not a finished shard of a ranks study, shards of different
/// plans (the differing fields named), a shard given twice or missing (listed), and shards measured on
/// machines that differ in CPU model, core count, BLAS library or core, or build — unless mixed machines are
/// allowed, when the result lists which shard (and so which layers) came from which machine.
package enum RanksMerge {
  /// One shard read back: its directory, plan and result.
  package struct Part: Sendable {
    package var directory: String
    package var plan: RanksPlan
    package var result: RanksResult
  }

  /// The merged plan (no shard) and result (`mergedFrom` lists the shards), from `directories`.
  package static func merge(_ directories: [String], allowMixedMachines: Bool) throws -> (
    plan: RanksPlan, result: RanksResult, parts: [Part]
  ) {
    guard !directories.isEmpty else {
      throw HarnessError.invalidRequest("merge needs the shards' directories")
    }
    var parts: [Part] = []
    for directory in directories {
      let plan = try RunDirectory.savedPlan(
        directory, kind: RanksStudy.kind, planFile: RanksStudy.planFile, as: RanksPlan.self)
      guard let shard = plan.shard else {
        throw HarnessError.invalidRequest(
          "\(directory) holds a whole ranks study, not a shard; nothing to merge")
      }
      let result: RanksResult
      do {
        result = try RanksResult.load(from: directory)
      } catch {
        throw HarnessError.invalidRequest(
          "shard \(shard) in \(directory) is not finished (\(error)); resume that ranks run to finish it")
      }
      guard !result.interrupted else {
        throw HarnessError.invalidRequest(
          "shard \(shard) in \(directory) was interrupted; resume that ranks run to finish it")
      }
      parts.append(Part(directory: directory, plan: plan, result: result))
    }
    let first = parts[0]
    var whole = first.plan
    whole.shard = nil
    for part in parts.dropFirst() {
      var other = part.plan
      other.shard = nil
      let differences = PlanIdentity.differences(saved: whole, new: other)
      guard differences.isEmpty else {
        throw HarnessError.invalidRequest(
          "\(part.directory) is a shard of a different study than \(first.directory) ("
            + differences.prefix(6).joined(separator: "; ") + "); merge shards of one plan")
      }
    }
    let count = first.plan.shard!.count
    let indices = parts.map { $0.plan.shard!.index }
    if let other = parts.first(where: { $0.plan.shard!.count != count }) {
      throw HarnessError.invalidRequest(
        "\(other.directory) is shard \(other.plan.shard!) but \(first.directory) is shard \(first.plan.shard!); "
          + "merge the shards of one split")
    }
    let repeated = Set(indices.filter { index in indices.filter { $0 == index }.count > 1 }).sorted()
    guard repeated.isEmpty else {
      throw HarnessError.invalidRequest(
        "shard " + repeated.map { "\($0)/\(count)" }.joined(separator: ", ")
          + " given more than once; give each once")
    }
    let missing = (1...count).filter { !indices.contains($0) }
    guard missing.isEmpty else {
      throw HarnessError.invalidRequest(
        "shard " + missing.map { "\($0)/\(count)" }.joined(separator: ", ") + " of \(count) missing; "
          + "measure \(missing.count == 1 ? "it" : "them") with the same options and merge every shard")
    }
    parts.sort { $0.plan.shard!.index < $1.plan.shard!.index }
    if !allowMixedMachines {
      for part in parts.dropFirst() {
        let differences = machineDifferences(first.result.fingerprint, part.result.fingerprint)
        guard differences.isEmpty else {
          throw HarnessError.invalidRequest(
            "shard \(part.plan.shard!) ran on another machine than shard \(parts[0].plan.shard!) ("
              + differences.joined(separator: "; ")
              + "); its timings are not comparable (allow it explicitly to "
              + "merge anyway: the report then says which layers came from which machine)")
        }
      }
    }
    // Every layer of the study exactly once, in catalog order.
    var rows: [RanksRow] = []
    var owners: [String: String] = [:]
    for layer in try whole.layers() {
      let found = parts.compactMap { part in
        part.result.rows.first { $0.layer == layer.name }.map { (part, $0) }
      }
      guard let (part, row) = found.first else {
        throw HarnessError.invalidRequest(
          "no shard holds a row for \(layer.name); merge every shard of the study")
      }
      guard found.count == 1 else {
        throw HarnessError.invalidRequest(
          "\(layer.name) was measured by more than one shard ("
            + found.map(\.0.directory).joined(separator: ", ")
            + "); these are not shards of one split")
      }
      owners[layer.name] = part.directory
      rows.append(row)
    }
    var result = first.result
    result.rows = rows
    result.sweeps = parts.reduce(0) { $0 + $1.result.sweeps }
    result.points = parts.reduce(0) { $0 + $1.result.points }
    result.elapsedSeconds = parts.reduce(0) { $0 + $1.result.elapsedSeconds }
    result.interrupted = false
    result.shard = nil
    result.mergedFrom = parts.map { part in
      MergedShard(
        shard: part.plan.shard!, directory: part.directory,
        layers: rows.map(\.layer).filter { owners[$0] == part.directory },
        machine: "\(part.result.fingerprint.cpuModel), \(part.result.fingerprint.cores) cores, "
          + part.result.fingerprint.hostname)
    }
    result.sweepRuns = []
    return (whole, result, parts)
  }

  /// What makes two fingerprints different machines for timing: CPU model, cores, BLAS library and core, build.
  package static func machineDifferences(_ a: MachineFingerprint, _ b: MachineFingerprint) -> [String] {
    var differences: [String] = []
    if a.cpuModel != b.cpuModel { differences.append("CPU \(a.cpuModel) → \(b.cpuModel)") }
    if a.cores != b.cores { differences.append("cores \(a.cores) → \(b.cores)") }
    if a.kernelBackend != b.kernelBackend {
      differences.append("library \(a.kernelBackend) → \(b.kernelBackend)")
    }
    if a.openBLAS.coreName != b.openBLAS.coreName {
      differences.append("OpenBLAS core \(a.openBLAS.coreName) → \(b.openBLAS.coreName)")
    }
    if a.buildConfiguration != b.buildConfiguration {
      differences.append("build \(a.buildConfiguration) → \(b.buildConfiguration)")
    }
    return differences
  }
}
