import Foundation
import Testing

@testable import Results

#if canImport(Glibc)
  import Glibc
#endif

@Suite("Output files named by the user")
struct OutputFileTests {
  func scratch(_ name: String) throws -> String {
    let path = temporaryPath(name)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  func fileType(_ path: String) -> mode_t {
    var status = stat()
    return lstat(path, &status) == 0 ? status.st_mode & S_IFMT : 0
  }

  @Test("a character device is written as a stream and stays a device")
  func aDeviceStaysADevice() throws {
    let output = try OutputFile("/dev/null")
    #expect(output.kind == .stream)
    try output.write("{}\n")
    #expect(fileType("/dev/null") == S_IFCHR)
  }

  @Test func aFIFOIsWrittenAsAStream() throws {
    let directory = try scratch("fifo")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let fifo = directory + "/pipe"
    #expect(mkfifo(fifo, 0o644) == 0)
    let reader = Glibc.open(fifo, O_RDONLY | O_NONBLOCK)
    #expect(reader >= 0)
    defer { close(reader) }
    let output = try OutputFile(fifo)
    #expect(output.kind == .stream)
    try output.write("through the pipe")
    var buffer = [UInt8](repeating: 0, count: 64)
    let count = read(reader, &buffer, buffer.count)
    #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self) == "through the pipe")
    #expect(fileType(fifo) == S_IFIFO)
  }

  @Test("a symbolic link to a regular file is kept; the file it names is replaced")
  func aLinkIsFollowed() throws {
    let directory = try scratch("link")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try "old".write(toFile: directory + "/target.json", atomically: true, encoding: .utf8)
    #expect(symlink(directory + "/target.json", directory + "/link.json") == 0)
    try OutputFile(directory + "/link.json").write("new")
    #expect(fileType(directory + "/link.json") == S_IFLNK)
    #expect(try String(contentsOfFile: directory + "/target.json", encoding: .utf8) == "new")
  }

  @Test func aRegularFileIsReplacedAtomicallyAndNothingIsLeftBehind() throws {
    let directory = try scratch("regular")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try "old".write(toFile: directory + "/out.json", atomically: true, encoding: .utf8)
    let output = try OutputFile(directory + "/out.json")
    #expect(output.kind == .atomic)
    try output.write("new")
    #expect(try String(contentsOfFile: directory + "/out.json", encoding: .utf8) == "new")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.json"])
  }

  @Test(
    "what cannot take a file is refused when named, before any work, and nothing is created",
    arguments: [
      ("", "empty"), ("DIR", "a directory"), ("DIR/missing/out.svg", "missing directory"),
      ("DIR/file/out.svg", "below a file"), ("/proc/lrd-bench.json", "pseudo file system"),
    ])
  func refused(path: String, why: String) throws {
    let directory = try scratch("refused")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try "x".write(toFile: directory + "/file", atomically: true, encoding: .utf8)
    let target = path.replacingOccurrences(of: "DIR", with: directory)
    do {
      _ = try OutputFile(target)
      Issue.record("\(why): \(target) was accepted")
    } catch {
      #expect(
        error.description.contains(target.isEmpty ? "needs a path" : target), "\(why): \(error.description)")
    }
    #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory)) == ["file"], "\(why)")
    #expect(fileType(directory) == S_IFDIR)
  }

  @Test func aDashIsStandardOutput() throws {
    #expect(try OutputFile("-").kind == .standardOutput)
  }
}
