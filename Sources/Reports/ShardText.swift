import Harness
import Support

/// The lines a report gives a shard, or a study merged from shards: which part of the study it holds and,
/// when merged, which shard measured which units on which machine.
enum ShardText {
  /// Lines (ending with a blank one) for a result holding `shard`, or merged from `mergedFrom`.
  ///
  /// None for an unsharded study. `unit` names the study's unit ("layer").
  static func lines(shard: Shard?, mergedFrom: [MergedShard]?, unit: String) -> [String] {
    if let shard {
      return [
        "Shard \(shard) of the study: this report holds this shard's \(unit)s only; join every shard's directory "
          + "with lrd-bench merge for the whole study.", "",
      ]
    }
    guard let shards = mergedFrom else { return [] }
    let machines = Set(shards.map(\.machine)).count
    return [
      "Merged from \(shards.count) shards" + (machines > 1 ? " measured on \(machines) machines:" : ":")
    ]
      + shards.map {
        "- shard \($0.shard): \($0.directory) (\($0.units.count) \(unit)\($0.units.count == 1 ? "" : "s"): "
          + "\(list($0.units)); \($0.machine))"
      } + [""]
  }

  /// Up to eight names, then how many more.
  static func list(_ names: [String]) -> String {
    names.count <= 8
      ? names.joined(separator: ", ")
      : names.prefix(8).joined(separator: ", ") + " and \(names.count - 8) more"
  }
}
