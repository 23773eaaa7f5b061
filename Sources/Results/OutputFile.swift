import Foundation
import SystemPackage

#if canImport(Glibc)
  import Glibc
#endif

/// A file the user named for output (`--out`, `--svg`, `--record`), written without ever replacing
/// what is not a regular file.
///
/// * A missing path or a regular file is written atomically: a temporary file beside it, fsync,
///   rename over it, fsync of the directory (a symbolic link to a regular file is followed, so the
///   file it names is replaced and the link kept).
/// * A character device (`/dev/stdout`, `/dev/null`, a terminal) or a FIFO is written as a stream,
///   and so is `-` (standard output).
/// * Anything else (a directory, a socket, a block device) is refused, and a missing parent
///   directory is never created.
package struct OutputFile: Sendable, Equatable {
  /// How a path is written.
  package enum Kind: Sendable, Equatable {
    /// Standard output (`-`).
    case standardOutput
    /// A character device or FIFO, opened and written in place.
    case stream
    /// A regular file or a new one, replaced atomically.
    case atomic
  }

  /// The path as given.
  package let path: String
  /// The path written: `path` with symbolic links resolved.
  package let resolved: String
  /// How it is written.
  package let kind: Kind

  /// Checks that `path` can be written (the target's type, its parent directory and write
  /// permission), before any work whose result would go there.
  package init(_ path: String) throws(ResultsError) {
    guard !path.isEmpty else { throw .emptyOutputFile }
    self.path = path
    if path == "-" {
      resolved = path
      kind = .standardOutput
      return
    }
    var status = stat()
    if stat(path, &status) == 0 {
      let type = status.st_mode & S_IFMT
      switch type {
      case S_IFCHR, S_IFIFO:
        resolved = path
        kind = .stream
        if access(path, W_OK) != 0 {
          throw .io(path: path, operation: "write", errno: Errno(rawValue: errno))
        }
        return
      case S_IFREG:
        resolved = Self.realPath(path) ?? path
        kind = .atomic
      case S_IFDIR:
        throw .notAnOutputFile(path: path, type: "a directory")
      default:
        throw .notAnOutputFile(path: path, type: type == S_IFSOCK ? "a socket" : "a block device")
      }
    } else {
      let failure = Errno(rawValue: errno)
      guard failure == .noSuchFileOrDirectory else {
        throw failure == .notDirectory
          ? .notAnOutputFile(path: path, type: "below a file that is not a directory")
          : .io(path: path, operation: "write", errno: failure)
      }
      // A missing file: its parent must exist and be a directory; a dangling link is refused.
      var link = stat()
      if lstat(path, &link) == 0 {
        throw .notAnOutputFile(path: path, type: "a symbolic link to a missing file")
      }
      resolved = path
      kind = .atomic
    }
    try Self.checkDirectory(of: resolved, for: path)
  }

  /// The parent directory of `target` exists, is a directory and takes a new file (probed by
  /// creating and removing the temporary file an atomic write uses: permissions, read-only file
  /// systems and pseudo file systems such as /proc all show here).
  static func checkDirectory(of target: String, for path: String) throws(ResultsError) {
    let parent = Self.parent(of: target)
    var parentStatus = stat()
    guard stat(parent, &parentStatus) == 0 else {
      let failure = Errno(rawValue: errno)
      throw failure == .noSuchFileOrDirectory
        ? .missingDirectory(path: path, directory: parent)
        : .io(path: path, operation: "write", errno: failure)
    }
    guard parentStatus.st_mode & S_IFMT == S_IFDIR else {
      throw .notAnOutputFile(path: path, type: "below a file that is not a directory")
    }
    let probe = temporaryPath(for: target)
    let fd = Glibc.open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
      let failure = Errno(rawValue: errno)
      throw failure == .noSuchFileOrDirectory
        ? .notAnOutputFile(path: path, type: "in a directory that takes no new files")
        : .io(path: path, operation: "write", errno: failure)
    }
    close(fd)
    unlink(probe)
  }

  static func temporaryPath(for target: String) -> String {
    let name = (target as NSString).lastPathComponent
    return (parent(of: target) as NSString).appendingPathComponent(".\(name).\(getpid()).tmp")
  }

  /// Writes `data`: atomically over a regular file, as a stream to a device, FIFO or standard output.
  package func write(_ data: Data) throws(ResultsError) {
    switch kind {
    case .standardOutput:
      try Self.stream(data, to: FileDescriptor.standardOutput, path: "standard output")
    case .stream:
      let fd: FileDescriptor
      do {
        fd = try FileDescriptor.open(FilePath(resolved), .writeOnly, options: [.closeOnExec])
      } catch {
        throw .io(path: path, operation: "write", errno: (error as? Errno) ?? .ioError)
      }
      defer { try? fd.close() }
      try Self.stream(data, to: fd, path: path)
    case .atomic:
      try Self.replace(resolved, with: data, reportedAs: path)
    }
  }

  /// Writes a string (UTF-8).
  package func write(_ text: String) throws(ResultsError) {
    try write(Data(text.utf8))
  }

  /// Replaces the regular file (or missing path) `target` by `data`.
  ///
  /// Temporary file, fsync, rename, fsync of the directory: readers see the old file or the new
  /// one, never a mix.
  static func replace(_ target: String, with data: Data, reportedAs path: String) throws(ResultsError) {
    let directory = parent(of: target)
    let temporary = temporaryPath(for: target)
    do {
      let fd = try FileDescriptor.open(
        FilePath(temporary), .writeOnly, options: [.create, .truncate, .closeOnExec],
        permissions: [.ownerReadWrite, .groupRead, .otherRead])
      do {
        _ = try fd.writeAll(data)
        if fsync(fd.rawValue) != 0 { throw Errno(rawValue: errno) }
        try fd.close()
      } catch {
        try? fd.close()
        throw error
      }
    } catch {
      unlink(temporary)
      throw .io(path: path, operation: "write", errno: (error as? Errno) ?? .ioError)
    }
    if rename(temporary, target) != 0 {
      let failure = Errno(rawValue: errno)
      unlink(temporary)
      throw .io(path: path, operation: "write", errno: failure)
    }
    let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      _ = fsync(fd)
      close(fd)
    }
  }

  static func stream(_ data: Data, to fd: FileDescriptor, path: String) throws(ResultsError) {
    do {
      _ = try fd.writeAll(data)
    } catch {
      throw .io(path: path, operation: "write", errno: (error as? Errno) ?? .ioError)
    }
  }

  static func parent(of path: String) -> String {
    let parent = (path as NSString).deletingLastPathComponent
    return parent.isEmpty ? "." : parent
  }

  static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}
