import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A log file for a child process's output, opened in place (created or truncated, never replaced by
/// renaming, so a log path naming a device such as /dev/null stays that device).
package enum LogFile {
  /// A handle writing `path` from its start; the null device when it cannot be opened.
  package static func open(_ path: String) -> FileHandle {
    let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    return fd >= 0 ? FileHandle(fileDescriptor: fd, closeOnDealloc: true) : FileHandle.nullDevice
  }
}
