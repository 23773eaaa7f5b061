import Foundation
import Harness
import Machine
import Store
import Testing

@testable import Suites

/// A fake worker in plain sh speaking protocol 1 (or `FAKE_PROTOCOL`): point `a/t1` takes `FAKE_A` seconds
/// per call, `b/t1` `FAKE_B`; `FAKE_CRASH=FILE` exits on the first measure while FILE does not exist (then
/// creates it); `FAKE_CRASH_ALWAYS=NAME` exits on every measure of NAME; `FAKE_HANG=1` never answers a measure;
/// `FAKE_LOG=FILE` appends each measured name and the build's label (`FAKE_SIDE`); `FAKE_NAMES` replaces the
/// case names it reports (a suite that changed between builds).
private let fakeWorker = """
  #!/bin/sh
  echo '{"type":"hello","protocol":'"${FAKE_PROTOCOL:-1}"',"version":"0.0.0","commit":"fake-'"${FAKE_SIDE:-x}"'","build":"debug"}'
  while IFS= read -r line; do
    case "$line" in
      *'"quit"'*) exit 0 ;;
      *'"cases"'*) names=${FAKE_NAMES:-'"a/t1","b/t1"'}; echo '{"type":"cases","names":['"$names"']}' ;;
      *'"measure"'*)
        name=$(printf '%s' "$line" | sed 's/.*"name":"\\([^"]*\\)".*/\\1/')
        core=$(printf '%s' "$line" | sed -n 's/.*"core":\\([0-9]*\\).*/\\1/p')
        [ -n "$FAKE_LOG" ] && echo "$name $FAKE_SIDE $core" >>"$FAKE_LOG"
        if [ -n "$FAKE_CRASH" ] && [ ! -e "$FAKE_CRASH" ]; then touch "$FAKE_CRASH"; exit 3; fi
        [ "$FAKE_CRASH_ALWAYS" = "$name" ] && exit 4
        [ -n "$FAKE_HANG" ] && exec sleep 30
        if [ "$name" = "a/t1" ]; then t=${FAKE_A:-0.001}; else t=${FAKE_B:-0.002}; fi
        echo '{"type":"samples","name":"'"$name"'","samples":['"$t,$t,$t"'],"callsPerSample":1,"injected":0}' ;;
      *) echo '{"type":"error","message":"unknown"}' ;;
    esac
  done
  """

private let suiteText = """
  suite: fake
  description: two layer points for the fake worker
  defaults:
    model: resnet50
    batch: 1
    mode: inference
    threads: [1]
    budget: 0.1
  points:
    - {name: a, layer: fc, factorization: alpha}
    - {name: b, layer: layer4.2.conv3, factorization: alpha}
  """

/// A scratch directory with the fake worker and the suite.
private struct Scratch {
  let directory: String
  var worker: String { directory + "/fake-worker" }
  var suite: String { directory + "/fake.yaml" }

  init() throws {
    directory = NSTemporaryDirectory() + "ab-runner-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try fakeWorker.write(toFile: worker, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: worker)
    try suiteText.write(toFile: suite, atomically: true, encoding: .utf8)
  }

  func runner(
    base: [String] = [], new: [String] = [], rounds: Int = 8, duet: Bool = false, store: ResultStore,
    events: @escaping EventSink = EventSinks.ignore
  ) throws -> ABRunner {
    let parsed = try SuiteParser.load(suite)
    return ABRunner(
      suite: parsed, suitePath: suite, cases: parsed.expanded(cores: 1),
      base: ABBuild(path: worker, environment: ["FAKE_SIDE=base"] + base),
      new: ABBuild(path: worker, environment: ["FAKE_SIDE=new"] + new),
      settings: ABSettings(rounds: rounds, seed: 7, duet: duet), store: store, topology: try Topology(),
      logDirectory: directory + "/logs", events: events)
  }
}

@Suite("A/B runner and worker protocol")
struct ABRunnerTests {
  @Test("A hello with another protocol version is refused, naming both versions")
  func protocolMismatch() throws {
    let scratch = try Scratch()
    let worker = WorkerProcess(
      path: scratch.worker, arguments: ["worker"], environment: ["FAKE_PROTOCOL": "99"],
      logPath: scratch.directory + "/log")
    #expect(
      throws: ABError.protocolMismatch(path: scratch.worker, found: 99, expected: WorkerProtocol.version)
    ) {
      try worker.start()
    }
  }

  @Test("An executable that is not a worker is refused as not a worker")
  func notAWorker() throws {
    let worker = WorkerProcess(
      path: "/bin/echo", arguments: ["hello"], environment: [:], logPath: "/dev/null")
    do {
      try worker.start()
      Issue.record("echo was accepted as a worker")
    } catch ABError.notAWorker(let path, _) {
      #expect(path == "/bin/echo")
    }
    // The log is opened in place: a device named as the log stays a device.
    var status = stat()
    #expect(lstat("/dev/null", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "/dev/null was replaced")
  }

  @Test("A worker that exits mid-request is reported, and a restart serves again")
  func crashAndRestart() throws {
    let scratch = try Scratch()
    let marker = scratch.directory + "/crashed"
    let worker = WorkerProcess(
      path: scratch.worker, arguments: ["worker"], environment: ["FAKE_CRASH": marker],
      logPath: scratch.directory + "/log")
    try worker.start()
    let request = WorkerRequest(type: "measure", name: "a/t1", budget: 0.1, sequence: 0)
    #expect(throws: ABError.self) { try worker.ask(request, timeout: 10) }
    #expect(worker.processIdentifier == 0)
    try worker.restart()
    #expect(try worker.ask(request, timeout: 10).samples == [0.001, 0.001, 0.001])
  }

  @Test("A worker that hangs is killed after the timeout")
  func hang() throws {
    let scratch = try Scratch()
    let worker = WorkerProcess(
      path: scratch.worker, arguments: ["worker"], environment: ["FAKE_HANG": "1"],
      logPath: scratch.directory + "/log")
    try worker.start()
    do {
      _ = try worker.ask(WorkerRequest(type: "measure", name: "a/t1", budget: 0.1), timeout: 1)
      Issue.record("a hung worker answered")
    } catch ABError.workerFailed(_, let detail) {
      #expect(detail.contains("no reply within"))
    }
  }

  @Test("Rounds pair the builds in ABBA order; a real change is a regression, no change is unchanged")
  func pairingAndVerdicts() throws {
    let scratch = try Scratch()
    let log = scratch.directory + "/order"
    let store = try ResultStore(path: scratch.directory + "/s.sqlite", access: .create)
    let runner = try scratch.runner(
      base: ["FAKE_LOG=\(log)"], new: ["FAKE_LOG=\(log)", "FAKE_A=0.0012"], store: store)
    let result = try runner.run(label: "fake")
    #expect(result.points.map(\.name) == ["a/t1", "b/t1"])
    #expect(result.points[0].comparison.verdict == .regression)
    #expect(abs(result.points[0].comparison.ratio - 1.2) < 1e-9)
    #expect(result.points[1].comparison.verdict == .unchanged)
    #expect(result.roundsCompleted == 8)
    #expect(result.run.status == .complete)
    // Every round measures each point once per build, back to back; the order flips every round (ABBA).
    let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(lines.count == 2 * 2 * 8)
    for point in ["a/t1", "b/t1"] {
      let sides = lines.filter { $0.hasPrefix(point + " ") }.map { $0.split(separator: " ")[1] }
      let firsts = stride(from: 0, to: sides.count, by: 2).map { sides[$0] }
      for j in 0..<8 {
        #expect(Set([sides[2 * j], sides[2 * j + 1]]) == ["base", "new"])
        if j > 0 { #expect(firsts[j] != firsts[j - 1]) }
      }
    }
    let stored = try store.abMeasurements(of: result.run.id)
    #expect(stored.count == 32)
    #expect(Set(stored.map { "\($0.name)|\($0.side)|\($0.round)" }).count == 32)
  }

  @Test("A crash is restarted once; a point that crashes again is failed and the run goes on")
  func restartOnceThenFail() throws {
    let scratch = try Scratch()
    let store = try ResultStore(path: scratch.directory + "/s.sqlite", access: .create)
    let warnings = Warnings()
    let runner = try scratch.runner(
      new: ["FAKE_CRASH=\(scratch.directory)/once", "FAKE_CRASH_ALWAYS=b/t1"], rounds: 4, store: store,
      events: { if case .warning(let text) = $0 { warnings.append(text) } })
    let result = try runner.run(label: nil)
    #expect(result.points[0].failure == nil)
    #expect(result.points[0].comparison.rounds == 4)
    #expect(result.points[1].failure != nil)
    #expect(warnings.all.contains { $0.contains("restarted") })
  }

  @Test(
    "Duet: both builds measure a 1-thread case at once on different cores, swapped every round",
    .enabled(if: ((try? Topology())?.summary.cores.count ?? 0) >= 2, "needs two cores"))
  func duet() throws {
    let scratch = try Scratch()
    let log = scratch.directory + "/order"
    let store = try ResultStore(path: scratch.directory + "/s.sqlite", access: .create)
    let result = try scratch.runner(
      base: ["FAKE_LOG=\(log)"], new: ["FAKE_LOG=\(log)", "FAKE_A=0.0012"], rounds: 8, duet: true,
      store: store
    ).run(label: nil)
    #expect(result.points[0].comparison.verdict == .regression)
    #expect(try store.abMeasurements(of: result.run.id).count == 2 * 2 * 8)
    let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map {
      $0.split(separator: " ").map(String.init)
    }
    for point in ["a/t1", "b/t1"] {
      let entries = lines.filter { $0[0] == point }
      #expect(entries.count == 16)
      for j in 0..<8 {
        let pair = entries[(2 * j)..<(2 * j + 2)]
        #expect(Set(pair.map { $0[2] }) == ["0", "1"], "round \(j): both cores used")
        let baseCore = pair.first { $0[1] == "base" }?[2]
        #expect(baseCore == (j % 2 == 0 ? "0" : "1"), "round \(j): cores swap every round")
      }
    }
  }

  @Test("Cases only one build has are listed, not compared")
  func suiteChangedBetweenBuilds() throws {
    let scratch = try Scratch()
    let store = try ResultStore(path: scratch.directory + "/s.sqlite", access: .create)
    let result = try scratch.runner(new: [#"FAKE_NAMES="a/t1","c/t1""#], rounds: 4, store: store).run(
      label: nil)
    #expect(result.points.map(\.name) == ["a/t1"])
    #expect(result.onlyBase == ["b/t1"] && result.onlyNew == ["c/t1"])
  }

  @Test("Resuming measures only what is missing")
  func resume() throws {
    let scratch = try Scratch()
    let store = try ResultStore(path: scratch.directory + "/s.sqlite", access: .create)
    let parsed = try SuiteParser.load(scratch.suite)
    let run = try store.beginABRun(
      ABRunRecord(
        suite: parsed.name, suiteDigest: parsed.digest, label: nil, machineKey: "k", startedAt: "t",
        base: #"{"path":"\#(scratch.worker)","version":"0","commit":"c","build":"debug","environment":[]}"#,
        new: #"{"path":"\#(scratch.worker)","version":"0","commit":"c","build":"debug","environment":[]}"#,
        rounds: 4, threshold: 0.03, seed: 7, fingerprint: "{}"))
    // Round 0 of a/t1 is already stored, with values the fake would never produce.
    for side in ABMeasurementRecord.Side.allCases {
      try store.addABMeasurement(
        ABMeasurementRecord(
          name: "a/t1", side: side, round: 0, samples: [5, 5], callsPerSample: 1, injected: 0),
        to: run.id)
    }
    let result = try scratch.runner(rounds: 4, store: store).run(label: nil, resuming: run)
    let stored = try store.abMeasurements(of: run.id)
    #expect(stored.count == 16)
    #expect(stored.filter { $0.samples == [5, 5] }.count == 2)
    #expect(result.run.status == .complete)
  }

  @Test("A base that is neither a file nor a commit is an unknown build; a directory is not an executable")
  func resolveBuild() throws {
    let repository = FileManager.default.currentDirectoryPath
    #expect(throws: ABError.unknownBuild("no-such-ref-xyz", repository: repository)) {
      try BaseBuild.resolve("no-such-ref-xyz", repository: repository)
    }
    let scratch = try Scratch()
    let plain = scratch.directory + "/plain"
    try "x".write(toFile: plain, atomically: true, encoding: .utf8)
    #expect(throws: ABError.self) { try BaseBuild.resolve(plain, repository: repository) }
    #expect(try BaseBuild.resolve(scratch.worker, repository: repository) == .executable(scratch.worker))
  }
}

/// Warnings collected from events (events arrive on the calling thread).
private final class Warnings: @unchecked Sendable {
  private let lock = NSLock()
  private var items: [String] = []
  func append(_ text: String) { lock.withLock { items.append(text) } }
  var all: [String] { lock.withLock { items } }
}
