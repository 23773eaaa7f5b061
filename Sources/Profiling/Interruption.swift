import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Ctrl-C handling: the first SIGINT asks every measurement loop to stop after its current sample
/// (results measured so far are kept and written); a second SIGINT exits at once.
public enum Interruption {
  private static let flag = Atomic<Bool>(false)

  /// True once SIGINT arrived (or `request()` was called).
  public static var isRequested: Bool { flag.load(ordering: .relaxed) }

  /// Marks the run as interrupted.
  public static func request() { flag.store(true, ordering: .relaxed) }

  /// Clears the flag (tests).
  public static func reset() { flag.store(false, ordering: .relaxed) }

  /// Installs the SIGINT handler.
  public static func install() {
    signal(SIGINT) { _ in
      if Interruption.flag.exchange(true, ordering: .relaxed) {
        _exit(130)
      }
    }
  }
}
