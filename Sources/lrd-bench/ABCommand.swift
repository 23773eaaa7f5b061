import ArgumentParser
import Foundation
import Harness
import Machine
import Profiling
import Reports
import Store
import Suites

/// `lrd-bench ab`: a suite on two builds interleaved in rounds, compared round by round.
struct ABCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ab",
    abstract:
      "Compare two builds on a suite in one run: interleaved rounds, each build in its own worker process.",
    discussion: """
      The base is an lrd-bench binary or a git commit/branch/tag (checked out with git worktree and built with swift build -c release under --base-cache, reused while the binary exists). The new build is this binary unless --new names another. Each build runs in its own worker process that builds every point's program and measures it on request; layer programs are built anew every round and the workers are fresh processes every rounds ÷ --processes rounds. In each of --rounds rounds every point is measured once per build, back to back, in ABBA order over rounds (which build starts is random per point, seeded). Each build spends --budget-scale × the point's budget on it over the whole run.

      Statistics use rounds, never samples, as replicates: per round and build the median of that round's samples; d = ln(new ÷ base) per round; the ratio is exp of the Hodges–Lehmann estimate of d with the distribution-free CI from the exact Wilcoxon signed-rank distribution; the p-value is the exact sign test over rounds (a round hit by a phase change counts once, whatever its size), adjusted by Benjamini–Hochberg over the suite's points. Verdicts at ±--threshold: regression (CI above and adjusted p < 0.05), improvement (the mirror), unchanged (the whole CI within), otherwise inconclusive with the smallest change the run could have detected. Every round is stored as soon as it is measured (an interrupted run continues with --resume ab#ID).

      --new-env NAME=VALUE sets an environment variable for the new build's workers only: an A/A check is `ab SUITE --base .build/release/lrd-bench`; an injected slowdown is `--new-env LRD_BENCH_INJECT_SLOWDOWN=0.05@REGEX`.

      --instructions then counts instructions per call of every 1-thread layer case on both builds under valgrind's callgrind (batch 1, random factors of the same shapes, AVX2 kernel path): deterministic, it guards lrd-bench's own code; a change beyond ±0.5% is flagged with the functions that changed most.

      Exit status: 0 no regression and every point decided; 2 a regression (or an instruction count up beyond ±0.5%); 3 no regression but some point inconclusive or failed; 4 improvements only; 5 --base baseline without a baseline commit; 64 bad input (unknown build, not an lrd-bench binary, protocol mismatch); 1 a base commit that does not build or a worker that keeps failing; 130 interrupted.
      """)

  @Argument(help: "The suite: a YAML file or a name in suites/.")
  var suite: String

  @Option(
    help: ArgumentHelp(
      "The base build: an lrd-bench executable, a git commit, branch or tag, or `baseline` (this machine's baseline commit; exit 5 when none).",
      valueName: "PATH|COMMIT"))
  var base: String?

  @Option(
    help: ArgumentHelp(
      "The new build: an lrd-bench executable or a commit (default: this binary).", valueName: "PATH|COMMIT"))
  var new: String?

  @Option(
    help: "Rounds, even, 4…64 (12 or more let one changed point out of 60 pass the FDR step).")
  var rounds: Int = 16

  @Option(
    help:
      "Worker processes per build over the run: each build's worker is replaced by a fresh process every rounds ÷ processes rounds, and builds its programs anew (new buffers) in every other round (effects fixed for a process's or a buffer's life, such as where it landed in memory, then vary between rounds instead of biasing all alike)."
  )
  var processes: Int = 2

  @Option(help: "Verdict threshold as a fraction (0.03: ±3%).")
  var threshold: Double = 0.03

  @Option(
    name: .customLong("budget-scale"),
    help: "Each build spends this × the point's suite budget on it over the run.")
  var budgetScale: Double = 1

  @Option(
    name: .customLong("new-env"), parsing: .singleValue,
    help: ArgumentHelp(
      "An environment variable for the new build's workers only (repeatable).", valueName: "NAME=VALUE"))
  var newEnvironment: [String] = []

  @Option(help: "A label for the A/B run.")
  var label: String?

  @Option(help: "Seed of the per-point start order (default: random; stored with the run).")
  var seed: Int64?

  @Option(help: ArgumentHelp("Continue an interrupted A/B run of the same suite.", valueName: "ab#ID"))
  var resume: String?

  @Option(
    name: .customLong("base-cache"),
    help: "Where base commits are checked out and built.")
  var baseCache: String = ".build-base"

  @Flag(
    help:
      "1-thread cases: measure both builds at the same time on two different cores (duet benchmarking, cores swapped every round) instead of one after the other."
  )
  var duet = false

  @Flag(
    help:
      "Also count instructions per call of every 1-thread layer case on both builds under valgrind's callgrind (batch 1, AVX2 kernel path); a change beyond ±0.5% is flagged with the functions that changed most."
  )
  var instructions = false

  @OptionGroup var storeOptions: StoreOptions

  @Option(help: "Output format.")
  var format: ReportFormat = .markdown

  @Flag(help: "No progress output on stderr (warnings still appear).")
  var quiet = false

  @OptionGroup var blasCore: BLASCoreOptions
  @OptionGroup var backend: BackendOptions

  func validateSettings() throws {
    guard (4...64).contains(rounds), rounds % 2 == 0 else {
      throw HarnessError.invalidRequest(
        "--rounds must be even and within 4…64 (ABBA needs pairs), got \(rounds)")
    }
    guard (1...rounds).contains(processes) else {
      throw HarnessError.invalidRequest("--processes must be within 1…rounds (\(rounds)), got \(processes)")
    }
    guard threshold.isFinite, threshold > 0, threshold < 1 else {
      throw HarnessError.invalidRequest(
        "--threshold must be a fraction between 0 and 1 (0.03 = ±3%), got \(threshold)")
    }
    guard budgetScale.isFinite, budgetScale > 0, budgetScale <= 100 else {
      throw HarnessError.invalidRequest("--budget-scale must be within (0, 100], got \(budgetScale)")
    }
    for entry in newEnvironment {
      let name = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
      guard entry.contains("="), !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
      else {
        throw HarnessError.invalidRequest(
          "--new-env '\(entry)': use NAME=VALUE, e.g. LRD_BENCH_INJECT_SLOWDOWN=0.05")
      }
    }
    if resume == nil && base == nil {
      throw HarnessError.invalidRequest("give the base build: --base PATH|COMMIT (or --resume ab#ID)")
    }
  }

  /// The repository holding the working directory (for commits).
  static func repository() -> String {
    FileManager.default.currentDirectoryPath
  }

  /// The executable of `text` (a path, or a commit built on demand).
  func executable(_ text: String) throws -> String {
    switch try BaseBuild.resolve(text, repository: Self.repository()) {
    case .executable(let path): return path
    case .commit(let commit):
      return try BaseBuild.binary(
        commit: commit, repository: Self.repository(), cache: baseCache,
        progress: { printError("ab: \($0)") })
    }
  }

  func run() throws {
    try guarded {
      try validateSettings()
      let path = RunCommand.suitePath(suite)
      let parsed = try SuiteParser.load(path)
      let topology = try Topology()
      try parsed.checkThreads(cores: topology.summary.coreCount, file: path)
      let store = try storeOptions.open(.create)
      let bar = ProgressBar(quiet: quiet)
      var workerArguments: [String] = []
      if let core = blasCore.blasCore { workerArguments += ["--blas-core", core] }
      if let backend = backend.backend { workerArguments += ["--backend", backend.value.rawValue] }
      var resuming: ABRunRecord?
      var baseBuild: ABBuild
      var newBuild: ABBuild
      var settings = ABSettings(
        rounds: rounds, threshold: threshold, budgetScale: budgetScale,
        seed: seed ?? Int64.random(in: 1...Int64.max),
        processes: processes, duet: duet)
      if let resume {
        let run = try store.resolveAB(resume)
        guard run.status == .incomplete else {
          throw ABError.cannotResume("ab#\(run.id) is complete; start a new A/B run")
        }
        guard run.suiteDigest == parsed.digest else {
          throw ABError.cannotResume(
            "ab#\(run.id) ran another version of the suite \(run.suite) (digest \(run.suiteDigest), now \(parsed.digest))"
          )
        }
        let decode = { (text: String) throws -> BuildIdentity in
          try JSONDecoder().decode(BuildIdentity.self, from: Data(text.utf8))
        }
        let (b, n) = (try decode(run.base), try decode(run.new))
        baseBuild = ABBuild(path: b.path, environment: b.environment, arguments: workerArguments)
        newBuild = ABBuild(path: n.path, environment: n.environment, arguments: workerArguments)
        settings = ABSettings(
          rounds: run.rounds, threshold: run.threshold, budgetScale: budgetScale, seed: run.seed,
          processes: processes, duet: duet)
        resuming = run
      } else {
        if let label { try store.checkNewLabel(label, ab: true) }
        let selfPath = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var baseText = base ?? ""
        if baseText == "baseline" {
          let key = try storeOptions.machineKey()
          guard let commit = try store.baselineCommit(machine: key) else {
            printError(
              "no baseline commit for machine \(key) yet; record one with: lrd-bench baseline commit [COMMIT]"
            )
            throw ExitCode(5)
          }
          baseText = commit
        }
        baseBuild = ABBuild(path: try executable(baseText), arguments: workerArguments)
        newBuild = ABBuild(
          path: try new.map { try executable($0) } ?? selfPath, environment: newEnvironment,
          arguments: workerArguments)
      }
      let runner = ABRunner(
        suite: parsed, suitePath: path, cases: parsed.expanded(cores: topology.summary.coreCount),
        base: baseBuild,
        new: newBuild, settings: settings, store: store, topology: topology,
        logDirectory: (store.path as NSString).deletingLastPathComponent + "/ab-logs", events: bar.sink)
      Interruption.install()
      var result = try runner.run(label: label, resuming: resuming)
      if instructions && !result.interrupted {
        result.instructions = try runner.countInstructions(
          directory: (store.path as NSString).deletingLastPathComponent + "/ab-logs/callgrind",
          run: result.run.id)
        result.interrupted = Interruption.isRequested
      }
      bar.finish()
      emit(format == .json ? try ABReport.json(result) : ABReport.markdown(result))
      if result.interrupted {
        printError("interrupted: continue with  lrd-bench ab \(suite) --resume ab#\(result.run.id)")
        throw ExitCode(130)
      }
      let status = ABReport.exitStatus(result)
      if status != 0 { throw ExitCode(status) }
    }
  }
}
