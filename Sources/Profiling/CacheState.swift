/// Cache state between samples.
package enum CacheState: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
  /// Samples run back to back; data stays in cache (the default).
  case warm
  /// A buffer twice the last-level cache is walked before every sample, and every sample is a
  /// single call, so each call starts from cold caches.
  case cold

  /// The state as `--cache` spells it.
  package var description: String { rawValue }
}
