import Machine

/// Text for a binding record's parts that reports share.
enum BindingText {
  /// ", pool workers [[0], [1]]": each of lrd-bench's pool workers' CPUs as read back (empty for results
  /// written before the pool existed).
  static func poolWorkers(_ binding: BindingRecord) -> String {
    binding.poolWorkerAffinity.map { ", pool workers \($0)" } ?? ""
  }
}
