import Store
import Support

extension SuiteCase {
  /// The seconds this case is expected to take, for balancing shards: the sampling time of its latest
  /// stored measurement (samples × calls per sample × median time per call), never more than its budget;
  /// its budget (an upper bound: sampling stops there) when there is none.
  package func estimatedSeconds(latest: PointRecord?) -> Double {
    guard let latest else { return point.budget }
    let measured = Double(latest.samples.count * max(latest.callsPerSample, 1)) * latest.median
    return measured.isFinite && measured > 0 ? min(measured, point.budget) : point.budget
  }

  /// Each case's estimated seconds, from `history`'s latest record of its point on `machine` (nil: budgets).
  ///
  /// Every shard of one split must see the same costs, so the history comes from one store that every shard
  /// reads, not from each node's own.
  package static func estimatedSeconds(_ cases: [SuiteCase], history: ResultStore?, machine: String) throws
    -> [Double]
  {
    try cases.map { suiteCase in
      let latest = try history?.history(of: suiteCase.name, machine: machine, since: nil).last?.1
      return suiteCase.estimatedSeconds(latest: latest)
    }
  }
}
