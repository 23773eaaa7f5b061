import Foundation
import Results
import Support

#if canImport(Glibc)
  import Glibc
#endif

/// One worker process of an A/B run, seen from the controller: started with `arguments` and extra
/// `environment`, checked by its `hello`, asked over JSON lines (`WorkerProtocol`).
///
/// A request that gets no reply within its timeout, or a worker that exits, throws `workerFailed`; the
/// caller decides whether to `restart()`. The worker's stderr goes to `logPath`.
package final class WorkerProcess {
  package let path: String
  let arguments: [String]
  let environment: [String: String]
  /// Where the worker's stderr goes.
  package let logPath: String
  private var process: Process?
  private var input: FileHandle?
  private var output: Int32 = -1
  private var buffer: [UInt8] = []
  /// What the worker said in its `hello`.
  package private(set) var hello = WorkerReply(type: "hello")
  /// Seconds to wait for `hello` (building nothing; a healthy worker answers in well under a second).
  package var helloTimeout = 30.0

  /// A worker of `path` run with `arguments`, with `environment` added to this process's; stderr to `logPath`.
  package init(path: String, arguments: [String], environment: [String: String], logPath: String) {
    self.path = path
    self.arguments = arguments
    self.environment = environment
    self.logPath = logPath
  }

  deinit { stop() }

  /// Starts the worker and checks its hello (protocol version).
  package func start() throws {
    stop()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = LogFile.open(logPath)
    do {
      try process.run()
    } catch {
      throw ABError.notAWorker(path: path, detail: "cannot start it: \(error.localizedDescription)")
    }
    self.process = process
    input = stdin.fileHandleForWriting
    output = stdout.fileHandleForReading.fileDescriptor
    buffer = []
    let line: String
    do {
      line = try readLine(timeout: helloTimeout)
    } catch {
      stop()
      throw ABError.notAWorker(path: path, detail: "no hello: \(Self.detail(error))\(logTail())")
    }
    guard let reply = try? JSONCoding.decoder.decode(WorkerReply.self, from: Data(line.utf8)),
      reply.type == "hello"
    else {
      stop()
      throw ABError.notAWorker(path: path, detail: "it wrote '\(line.prefix(80))' instead of a hello")
    }
    guard reply.protocol == WorkerProtocol.version else {
      stop()
      throw ABError.protocolMismatch(path: path, found: reply.protocol ?? 0, expected: WorkerProtocol.version)
    }
    hello = reply
  }

  /// Sends `request` and returns the reply, waiting at most `timeout` seconds.
  package func ask(_ request: WorkerRequest, timeout: Double) throws -> WorkerReply {
    try send(request)
    return try receive(timeout: timeout)
  }

  /// Sends `request` without waiting for its reply (`receive` reads it).
  package func send(_ request: WorkerRequest) throws {
    guard let input, process?.isRunning == true else {
      throw ABError.workerFailed(path: path, detail: "not running\(exitDetail())\(logTail())")
    }
    let line = WorkerServer.encode(request) + "\n"
    do {
      try input.write(contentsOf: Data(line.utf8))
    } catch {
      throw ABError.workerFailed(
        path: path, detail: "cannot send a request (it exited?)\(exitDetail())\(logTail())")
    }
  }

  /// The reply to the request sent last, waiting at most `timeout` seconds.
  package func receive(timeout: Double) throws -> WorkerReply {
    let text = try readLine(timeout: timeout)
    guard let reply = try? JSONCoding.decoder.decode(WorkerReply.self, from: Data(text.utf8)) else {
      throw ABError.workerFailed(path: path, detail: "an unreadable reply '\(text.prefix(80))'")
    }
    return reply
  }

  /// Stops the worker and restarts it.
  package func restart() throws {
    try start()
  }

  /// Asks the worker to quit, then kills it if it is still running.
  package func stop() {
    guard let process else { return }
    if process.isRunning, let input {
      try? input.write(contentsOf: Data(#"{"type":"quit"}"#.utf8 + [10]))
      try? input.close()
      let deadline = Date().addingTimeInterval(2)
      while process.isRunning && Date() < deadline { usleep(10_000) }
      if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
      }
    }
    self.process = nil
    self.input = nil
    output = -1
  }

  /// The worker's process id (0 when not running).
  package var processIdentifier: Int32 { process?.isRunning == true ? process!.processIdentifier : 0 }

  /// The next line from the worker, waiting at most `timeout` seconds for it.
  func readLine(timeout: Double) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
      if let newline = buffer.firstIndex(of: 10) {
        let line = String(decoding: buffer[..<newline], as: UTF8.self)
        buffer.removeSubrange(...newline)
        return line
      }
      let left = deadline.timeIntervalSinceNow
      guard left > 0 else {
        kill(process?.processIdentifier ?? 0, SIGKILL)
        throw ABError.workerFailed(
          path: path, detail: "no reply within \(Int(timeout.rounded())) s (hung; killed)")
      }
      var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
      let ready = poll(&descriptor, 1, Int32(min(left, 1) * 1000))
      if ready < 0 && errno == EINTR { continue }
      guard ready > 0 else { continue }
      var chunk = [UInt8](repeating: 0, count: 65536)
      let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else {
        process?.waitUntilExit()
        throw ABError.workerFailed(path: path, detail: "it exited\(exitDetail())\(logTail())")
      }
      buffer += chunk[..<count]
    }
  }

  func exitDetail() -> String {
    guard let process, !process.isRunning else { return "" }
    let reason = process.terminationReason == .uncaughtSignal ? "signal" : "status"
    return " (\(reason) \(process.terminationStatus))"
  }

  /// The last line of the worker's stderr, if any.
  func logTail() -> String {
    guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "" }
    let last = text.split(separator: "\n").last.map(String.init) ?? ""
    return last.isEmpty ? "" : "; its last message: \(last.prefix(200))"
  }

  static func detail(_ error: any Error) -> String {
    if case ABError.workerFailed(_, let detail) = error { return detail }
    return "\(error)"
  }
}
