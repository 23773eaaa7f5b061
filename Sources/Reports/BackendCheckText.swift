import Harness

/// The backend check's lines in a report header.
enum BackendCheckText {
  /// "Backend check (…): OpenBLAS 10.2 ms, BLIS 11.0 ms, oneDNN 7.0 ms; in use: OpenBLAS, 1.46× the fastest
  /// (oneDNN)." and, past `BackendCheck.warningRatio`, a warning saying what it means for the speed-ups; a
  /// note when the check was skipped (nil) — nothing for results without one.
  static func lines(_ check: BackendCheck?) -> [String] {
    guard let check else { return ["Backend check: not run."] }
    let times = check.timings.map { "\($0.backend.libraryName) \(Format.duration($0.seconds))" }
    var text =
      "Backend check (\(check.subject), \(check.threads); \(Format.fixed(check.seconds, 1)) s): "
      + (times.isEmpty ? "no library could be timed" : times.joined(separator: ", "))
    if let slowdown = check.slowdown, let fastest = check.fastest {
      text +=
        fastest == check.inUse
        ? "; \(check.inUse.libraryName), in use, is the fastest."
        : "; \(check.inUse.libraryName), in use, takes \(Format.fixed(slowdown, 2))× the time of "
          + "\(fastest.libraryName)."
    } else {
      text += "."
    }
    if !check.unavailable.isEmpty { text += " Not checked: \(check.unavailable.joined(separator: "; "))." }
    var lines = [text]
    if check.warns, let slowdown = check.slowdown, let fastest = check.fastest {
      lines.append(
        "**Warning**: \(check.inUse.libraryName) runs the original here at "
          + "\(Format.percent(1 / slowdown, digits: 0)) of \(fastest.libraryName)'s speed: speed-ups in this report "
          + "are measured against an original running at \(Format.percent(1 / slowdown, digits: 0)) of the fastest "
          + "library's speed, and are larger than they would be on \(fastest.libraryName).")
    }
    return lines
  }
}
