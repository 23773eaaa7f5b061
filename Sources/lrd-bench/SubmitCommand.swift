import ArgumentParser
import Foundation
import Harness
import Results
import Support

struct SubmitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "submit",
    abstract:
      "Run a study as shards on a Slurm cluster: one job array, then a merge job after every shard succeeded.",
    usage:
      "lrd-bench submit --slurm --shards <n> [<options>] -- <ranks|sweep|branches|table|run> [<its options>]",
    discussion: """
      COMMAND is the study after `lrd-bench`: ranks, sweep, branches or table (with any of its options but --shard, --out and --resume), or run SUITE (with any of its options but --shard, --store and --label: every shard is a run of its own). Task k of the array runs `lrd-bench COMMAND --shard k+1/n --out OUT/shard-<k+1>`; the merge job (--dependency=afterok on the array, so it never starts when a shard fails) runs `lrd-bench merge` into OUT/merged. A suite's task k writes its own store, OUT/shard-<k+1>.sqlite, and the merge job runs `lrd-bench store merge` into OUT/merged.sqlite (give run --costs-from a store that every node reads to balance the shards by last time's timings). The job scripts and their logs are written to OUT (default results/slurm/<command>-<UTC time>/), which must be on a file system every node sees. Prints both job ids and where the merged result will appear; --dry-run prints the scripts and the sbatch commands instead of submitting. Threads are bound inside each task's allocation (lrd-bench reads the CPUs it may use).
      """)

  @Flag(help: "Submit through Slurm's sbatch (the only scheduler supported).")
  var slurm = false

  @Option(help: "Number of shards (array tasks), 1…1000.")
  var shards: Int

  @Option(help: "Slurm partition (default: the cluster's default partition).")
  var partition: String?

  @Option(help: ArgumentHelp("Time limit per shard.", valueName: "HH:MM:SS"))
  var time: String?

  @Option(name: .customLong("array-limit"), help: "Run at most this many shards at once.")
  var arrayLimit: Int?

  @Flag(help: "Give each shard whole nodes (timings undisturbed by other jobs).")
  var exclusive = false

  @Flag(name: .customLong("dry-run"), help: "Print the job scripts and sbatch commands; submit nothing.")
  var dryRun = false

  @Option(help: "Directory of the shards, the merged result, the scripts and the logs.")
  var out: String?

  @Argument(
    parsing: .postTerminator, help: ArgumentHelp("The study to shard, after --.", valueName: "command"))
  var command: [String] = []

  func validate() throws {
    guard slurm else {
      throw ValidationError("submit needs --slurm (Slurm is the scheduler lrd-bench submits to)")
    }
    guard (1...1000).contains(shards) else {
      throw ValidationError("--shards must be within 1…1000, got \(shards)")
    }
    if let arrayLimit, arrayLimit < 1 {
      throw ValidationError("--array-limit must be at least 1, got \(arrayLimit)")
    }
    if let time, time.wholeMatch(of: /([0-9]+-)?[0-9]{1,2}:[0-9]{2}:[0-9]{2}/) == nil {
      throw ValidationError("--time '\(ClosestNames.truncated(time))': use HH:MM:SS (or D-HH:MM:SS)")
    }
    guard let study = command.first else {
      throw ValidationError(
        "give the study to shard after --, e.g. lrd-bench submit --slurm --shards 4 -- ranks")
    }
    guard Self.studies.contains(study) else {
      throw ValidationError(
        "'\(ClosestNames.truncated(study))' cannot be sharded; submit shards "
          + Self.studies.joined(separator: ", "))
    }
    if study == "run", let label = command.first(where: { $0 == "--label" || $0.hasPrefix("--label=") }) {
      throw ValidationError(
        "drop \(label) from the suite run: every shard is a run of its own in the merged store, and a label "
          + "names one run")
    }
    let given = study == "run" ? ["--shard", "--store"] : ["--shard", "--out", "--resume"]
    for word in command where given.contains(where: { word == $0 || word.hasPrefix($0 + "=") }) {
      throw ValidationError(
        "drop \(word) from the study: submit gives every shard its own --shard and "
          + (study == "run" ? "--store" : "--out"))
    }
    // The study's own options are checked now, not on the cluster.
    do {
      _ = try LRDBench.parseAsRoot(command + ["--shard", "1/\(shards)"])
    } catch {
      throw ValidationError("the study's options: " + LRDBench.message(for: error))
    }
  }

  func run() throws {
    try guarded {
      let directory = out ?? Self.defaultDirectory(command[0])
      let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
      let jobs = SlurmJobs(
        executable: executable, command: command, shards: shards,
        directory: URL(fileURLWithPath: directory).standardizedFileURL.path, partition: partition, time: time,
        arrayLimit: arrayLimit, exclusive: exclusive)
      let arrayScript = (jobs.directory as NSString).appendingPathComponent("shard.sh")
      let mergeScript = (jobs.directory as NSString).appendingPathComponent("merge.sh")
      if dryRun {
        emit("# \(arrayScript)\n" + jobs.arrayScript + "\n# \(mergeScript)\n" + jobs.mergeScript)
        emit(
          "sbatch " + jobs.arrayArguments(script: arrayScript).map(SlurmJobs.quoted).joined(separator: " "))
        emit(
          "sbatch "
            + jobs.mergeArguments(script: mergeScript, after: "<array job id>").map(SlurmJobs.quoted).joined(
              separator: " "))
        return
      }
      guard let sbatch = Self.sbatch() else {
        throw HarnessError.invalidRequest(
          "sbatch is not on the PATH: run on a Slurm login node (or start a local cluster with scripts/slurm-local start)"
        )
      }
      try FileManager.default.createDirectory(atPath: jobs.directory, withIntermediateDirectories: true)
      for (path, text) in [(arrayScript, jobs.arrayScript), (mergeScript, jobs.mergeScript)] {
        try OutputFile(path).write(text)
        chmod(path, 0o755)
      }
      let array = try Self.submit(sbatch, jobs.arrayArguments(script: arrayScript))
      let merge = try Self.submit(sbatch, jobs.mergeArguments(script: mergeScript, after: array))
      emit(
        "submitted: job array \(array) (\(shards) shards → \(jobs.directory)/shard-<i>), merge job \(merge) "
          + "(after all of them) → \(jobs.mergedDirectory)")
    }
  }

  /// The commands that split into shards.
  static let studies = ["ranks", "sweep", "branches", "table", "run"]

  static func defaultDirectory(_ study: String) -> String {
    "results/slurm/\(study)-\(RunDirectory.timestamp())"
  }

  static func sbatch() -> String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map {
      "\($0)/sbatch"
    }
    .first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs sbatch with `arguments`; returns the job id it prints (--parsable: "id" or "id;cluster").
  static func submit(_ sbatch: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: sbatch)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let id =
      text.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
      ?? ""
    guard process.terminationStatus == 0, !id.isEmpty else {
      throw HarnessError.failed(
        "sbatch failed (exit \(process.terminationStatus)): "
          + problem.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return id
  }
}
