import Foundation
import Machine
import Results
import Support

/// Joins the shards of a study (`--shard i/n`, each in its own run directory) into one result, identical in
/// form to the unsharded study's.
///
/// Refused with the reason: a directory that is not a finished shard of the study, shards of different plans
/// (the differing fields named), a shard given twice or missing (listed), and shards measured on machines that
/// differ in CPU model, core count, kernel library, OpenBLAS core or build — unless mixed machines are allowed,
/// when the result lists which shard (and so which units) came from which machine.
package enum ShardMerge {
  /// The merged plan (no shard), result (`mergedFrom` lists the shards) and the parts, from `directories`.
  package static func merge<S: ShardedStudy>(
    _ study: S.Type, directories: [String], allowMixedMachines: Bool
  ) throws -> (plan: S.Plan, result: S.Result, parts: [ShardPart<S.Result>]) {
    guard !directories.isEmpty else {
      throw HarnessError.invalidRequest("merge needs the shards' directories")
    }
    var parts: [ShardPart<S.Result>] = []
    var plans: [S.Plan] = []
    for directory in directories {
      let plan = try RunDirectory.savedPlan(directory, kind: S.kind, planFile: S.planFile, as: S.Plan.self)
      guard let shard = plan.shard else {
        throw HarnessError.invalidRequest(
          "\(directory) holds a whole \(S.kind) study, not a shard; nothing to merge")
      }
      let result = try load(study, shard: shard, from: directory)
      guard !result.interrupted else {
        throw HarnessError.invalidRequest(
          "shard \(shard) in \(directory) was interrupted; resume that \(S.kind) run to finish it")
      }
      parts.append(ShardPart(directory: directory, shard: shard, result: result))
      plans.append(plan)
    }
    var whole = plans[0]
    whole.shard = nil
    for (part, plan) in zip(parts, plans).dropFirst() {
      var other = plan
      other.shard = nil
      let differences = PlanIdentity.differences(saved: whole, new: other)
      guard differences.isEmpty else {
        throw HarnessError.invalidRequest(
          "\(part.directory) is a shard of a different study than \(parts[0].directory) ("
            + differences.prefix(6).joined(separator: "; ") + "); merge shards of one plan")
      }
    }
    try checkSplit(parts)
    parts.sort { $0.shard.index < $1.shard.index }
    if !allowMixedMachines {
      for part in parts.dropFirst() {
        let differences = machineDifferences(parts[0].result.fingerprint, part.result.fingerprint)
        guard differences.isEmpty else {
          throw HarnessError.invalidRequest(
            "shard \(part.shard) ran on another machine than shard \(parts[0].shard) ("
              + differences.joined(separator: "; ")
              + "); its timings are not comparable (allow it explicitly to "
              + "merge anyway: the report then says which \(S.shardUnit)s came from which machine)")
        }
      }
    }
    var result = try S.combine(parts, whole: whole)
    result.shard = nil
    result.mergedFrom = parts.map { part in
      let fingerprint = part.result.fingerprint
      return MergedShard(
        shard: part.shard, directory: part.directory, units: S.unitNames(of: part.result),
        machine: "\(fingerprint.cpuModel), \(fingerprint.cores) cores, \(fingerprint.hostname)")
    }
    return (whole, result, parts)
  }

  /// Every shard of one split exactly once: same count, none repeated, none missing.
  static func checkSplit<R>(_ parts: [ShardPart<R>]) throws {
    let count = parts[0].shard.count
    if let other = parts.first(where: { $0.shard.count != count }) {
      throw HarnessError.invalidRequest(
        "\(other.directory) is shard \(other.shard) but \(parts[0].directory) is shard \(parts[0].shard); "
          + "merge the shards of one split")
    }
    let indices = parts.map(\.shard.index)
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
  }

  /// A finished shard's result file.
  static func load<S: ShardedStudy>(_ study: S.Type, shard: Shard, from directory: String) throws -> S.Result
  {
    let path = (directory as NSString).appendingPathComponent(S.resultFile)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw HarnessError.invalidRequest(
        "shard \(shard) in \(directory) is not finished (no \(S.resultFile)); resume that \(S.kind) run to "
          + "finish it")
    }
    do {
      return try JSONCoding.decoder.decode(S.Result.self, from: data)
    } catch {
      throw HarnessError.invalidRequest(
        "shard \(shard) in \(directory): \(S.resultFile) is not readable (\(JSONCoding.problem(error)))")
    }
  }

  /// Each of `names` (the whole study's units, in order) found in exactly one part by `find`; throws naming a
  /// unit no shard holds or one held twice.
  package static func unique<R, Item>(
    _ names: [String], in parts: [ShardPart<R>], unit: String, find: (ShardPart<R>, String) -> Item?
  ) throws -> [(name: String, part: ShardPart<R>, item: Item)] {
    try names.map { name in
      let found = parts.compactMap { part in find(part, name).map { (part, $0) } }
      guard let (part, item) = found.first else {
        throw HarnessError.invalidRequest(
          "no shard holds \(unit) \(name); merge every shard of the study")
      }
      guard found.count == 1 else {
        throw HarnessError.invalidRequest(
          "\(unit) \(name) was measured by more than one shard ("
            + found.map(\.0.directory).joined(separator: ", ") + "); these are not shards of one split")
      }
      return (name, part, item)
    }
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

extension ShardMerge {
  /// Copies the child run directories of every shard (a ranks study's `sweeps/<layer>/`, a table's
  /// `ranks-<model>/`) into the merged `directory`: every subdirectory, merged folder by folder; a file that
  /// two shards both hold is an error naming it (the shards are then not of one split).
  package static func copyChildRuns(from shards: [String], into directory: RunDirectory) throws {
    let manager = FileManager.default
    func copy(_ source: URL, into target: URL) throws {
      for name in try manager.contentsOfDirectory(atPath: source.path).sorted() {
        let from = source.appendingPathComponent(name)
        let to = target.appendingPathComponent(name)
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: from.path, isDirectory: &isDirectory) else { continue }
        if isDirectory.boolValue {
          if !manager.fileExists(atPath: to.path) {
            try manager.copyItem(at: from, to: to)
          } else {
            try copy(from, into: to)
          }
        } else if manager.fileExists(atPath: to.path) {
          throw HarnessError.invalidRequest(
            "\(from.path) is also in another shard; these are not shards of one split")
        } else {
          try manager.copyItem(at: from, to: to)
        }
      }
    }
    for shard in shards {
      let source = URL(fileURLWithPath: shard, isDirectory: true)
      for name in try manager.contentsOfDirectory(atPath: source.path).sorted() {
        var isDirectory: ObjCBool = false
        let child = source.appendingPathComponent(name)
        guard manager.fileExists(atPath: child.path, isDirectory: &isDirectory), isDirectory.boolValue else {
          continue
        }
        let target = directory.url.appendingPathComponent(name)
        if manager.fileExists(atPath: target.path) {
          try copy(child, into: target)
        } else {
          try manager.copyItem(at: child, to: target)
        }
      }
    }
  }
}
