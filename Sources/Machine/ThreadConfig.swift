import Support

/// A number of BLAS threads and a binding policy: one axis of every sweep.
package struct ThreadConfig: Codable, Sendable, Hashable, CustomStringConvertible {
  package var threads: Int
  /// How the threads are bound to PUs.
  package var binding: BindingPolicy

  package init(threads: Int, binding: BindingPolicy) {
    self.threads = threads
    self.binding = binding
  }

  /// "2 threads, compact".
  package var description: String { "\(threads) thread\(threads == 1 ? "" : "s"), \(binding)" }

  /// A compact label for file names and tables, for example "2t-compact".
  package var label: String { "\(threads)t-\(binding)" }

  /// The default sweep axis: 1 thread and every core, both with `binding`.
  package static func defaults(cores: Int, binding: BindingPolicy = .compact) -> [ThreadConfig] {
    Array(Set([1, max(cores, 1)])).sorted().map { ThreadConfig(threads: $0, binding: binding) }
  }

  /// Parses a thread list such as "1,2" or "1-4" or "all" into counts (validated against `cores`).
  package static func parseThreadList(_ text: String, cores: Int) throws(ThreadConfigError) -> [Int] {
    var counts: [Int] = []
    var includesAll = false
    for part in CommaList.items(text) {
      if part == "all" {
        includesAll = true
      } else if let dash = part.dropFirst().firstIndex(of: "-"), let lo = Int(part[..<dash]),
        let hi = Int(part[part.index(after: dash)...]), lo <= hi
      {
        // Check the bounds before materialising the range (1-9223372036854775807 must not allocate).
        for bound in [lo, hi] where bound < 1 || bound > cores {
          throw .tooManyThreads(requested: bound, cores: cores)
        }
        counts += Array(lo...hi)
      } else if let n = Int(part) {
        counts.append(n)
      } else {
        throw .unparsable(text)
      }
    }
    for n in counts where n < 1 || n > cores {
      throw .tooManyThreads(requested: n, cores: cores)
    }
    var seen = Set<Int>()
    if let repeated = counts.first(where: { !seen.insert($0).inserted }) { throw .duplicate(repeated) }
    // `all` stands for the core count wherever it falls; it may coincide with a count given (1,all on one core).
    if includesAll && !seen.contains(cores) { counts.append(cores) }
    if counts.isEmpty { throw .unparsable(text) }
    return counts
  }
}
