import Foundation

/// The two Slurm jobs of a sharded study: a job array whose task k runs the study's shard k+1 of n in its
/// own directory (a suite run: into its own store), and a merge job that runs only after every task
/// succeeded (`afterok`): `lrd-bench merge` of the directories, or `lrd-bench store merge` of the stores.
///
/// Scripts hold the commands as bash arrays of single-quoted words (`'` written as `'\''`), so no user
/// text is ever read by the shell as code; sbatch is run with an argument vector.
struct SlurmJobs: Equatable {
  /// The lrd-bench binary the jobs run.
  var executable: String
  /// The study's command after `lrd-bench`, such as ["ranks", "--filter", "^layer4"], without --shard and --out.
  var command: [String]
  /// Shards (array tasks).
  var shards: Int
  /// Where the shards (`shard-<i>/`), the merged result (`merged/`), the scripts and the logs go.
  var directory: String
  var partition: String?
  /// Time limit per task, HH:MM:SS.
  var time: String?
  /// At most this many tasks at once (%K).
  var arrayLimit: Int?
  var exclusive = false

  /// A word as a single-quoted bash word.
  static func quoted(_ word: String) -> String {
    "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// True for `run SUITE`, whose shards each write a results store instead of a run directory.
  var writesStore: Bool { command.first == "run" }

  /// The file name suffix of a shard's output: none for a run directory, `.sqlite` for a store.
  var suffix: String { writesStore ? ".sqlite" : "" }

  /// The run directory (or store) of shard `index` (1-based).
  func shardDirectory(_ index: Int) -> String {
    (directory as NSString).appendingPathComponent("shard-\(index)" + suffix)
  }

  /// The merged result's directory (or store).
  var mergedDirectory: String { (directory as NSString).appendingPathComponent("merged" + suffix) }

  /// The array task's script: runs shard $SLURM_ARRAY_TASK_ID + 1 of `shards`.
  var arrayScript: String {
    let words = ([executable] + command).map(Self.quoted).joined(separator: " ")
    return """
      #!/bin/bash
      # lrd-bench shard job: task k of the array runs shard k+1 of \(shards) into its own directory.
      set -euo pipefail
      command=(\(words))
      shard=$((SLURM_ARRAY_TASK_ID + 1))
      exec "${command[@]}" --shard "$shard/\(shards)" \(writesStore ? "--store" : "--out") \(Self.quoted(directory))/shard-"$shard"\(suffix) --quiet

      """
  }

  /// The merge job's script.
  var mergeScript: String {
    let inputs = (1...shards).map { Self.quoted(shardDirectory($0)) }.joined(separator: " ")
    return """
      #!/bin/bash
      # lrd-bench merge job: runs after every shard succeeded.
      set -euo pipefail
      exec \(Self.quoted(executable)) \(writesStore ? "store merge" : "merge") \(inputs) \(writesStore ? "--into" : "--out") \(Self.quoted(mergedDirectory))

      """
  }

  /// sbatch's arguments for the array (the script path last).
  func arrayArguments(script: String) -> [String] {
    var arguments = ["--parsable", "--job-name=lrd-bench-\(command.first ?? "study")"]
    arguments.append("--array=0-\(shards - 1)" + (arrayLimit.map { "%\($0)" } ?? ""))
    arguments.append("--output=" + (directory as NSString).appendingPathComponent("slurm-%A_%a.log"))
    arguments += common + [script]
    return arguments
  }

  /// sbatch's arguments for the merge job, after array job `array`.
  func mergeArguments(script: String, after array: String) -> [String] {
    [
      "--parsable", "--job-name=lrd-bench-merge", "--dependency=afterok:\(array)",
      "--kill-on-invalid-dep=yes",
      "--output=" + (directory as NSString).appendingPathComponent("slurm-merge-%j.log"),
    ] + (partition.map { ["--partition=\($0)"] } ?? []) + [script]
  }

  var common: [String] {
    (partition.map { ["--partition=\($0)"] } ?? []) + (time.map { ["--time=\($0)"] } ?? [])
      + (exclusive ? ["--exclusive"] : [])
  }
}
