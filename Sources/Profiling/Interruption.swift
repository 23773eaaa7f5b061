import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Stopping a run: the first SIGINT, SIGTERM or SIGHUP (Ctrl-C, `timeout`, CI cancellation, a container
/// stopping) asks every measurement loop to stop after its current sample; what was measured is kept, reports
/// are written and the command exits 130.
///
/// A second signal exits at once.
package enum Interruption {
  private static let flag = Atomic<Bool>(false)
  private static let received = Atomic<Int32>(0)

  /// True once a stop signal arrived (or `request()` was called).
  package static var isRequested: Bool { flag.load(ordering: .relaxed) }

  /// The signal that arrived (SIGINT, SIGTERM, SIGHUP), or 0.
  package static var signal: Int32 { received.load(ordering: .relaxed) }

  /// Marks the run as interrupted.
  package static func request() { flag.store(true, ordering: .relaxed) }

  /// Clears the flag (tests).
  package static func reset() {
    flag.store(false, ordering: .relaxed)
    received.store(0, ordering: .relaxed)
  }

  /// Installs the handler for SIGINT, SIGTERM and SIGHUP, and unblocks them: a process inherits its
  /// parent's signal mask (threads of libdispatch, CI runners and test harnesses block them), and a
  /// blocked SIGTERM would never reach the handler.
  package static func install() {
    // Initialise both atomics before a handler can run: a handler must never be the first to touch a
    // lazily initialised global (its one-time initialisation takes a lock and may allocate, neither of
    // which is safe in a signal handler, and it may interrupt that very initialisation on another path).
    _ = flag.load(ordering: .relaxed)
    _ = received.load(ordering: .relaxed)
    var set = sigset_t()
    sigemptyset(&set)
    for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, number) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    // sigaction with SA_RESTART: system calls interrupted by the signal resume (a write, fsync or futex
    // wait in any library never sees EINTR because of us); the handler touches only the two atomics and
    // _exit, all async-signal-safe.
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { number in
      Interruption.received.store(number, ordering: .relaxed)
      if Interruption.flag.exchange(true, ordering: .relaxed) { _exit(130) }
    }
    action.sa_flags = SA_RESTART
    sigemptyset(&action.sa_mask)
    for number in [SIGINT, SIGTERM, SIGHUP] { sigaction(number, &action, nil) }
  }
}
