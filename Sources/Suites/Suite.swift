import Decomposition
import Harness
import Machine
import Networks
import Profiling
import Programs

/// A suite file (`suites/*.yaml`): named points measured together, in order, by `lrd-bench run`.
package struct Suite: Codable, Sendable, Equatable {
  /// The suite's name (its `suite:` key).
  package var name: String
  /// The suite's `description:` text.
  package var description: String
  /// FNV-1a of the file's text: runs of different versions of a suite are told apart.
  package var digest: String
  /// The suite's points, in file order.
  package var points: [SuitePoint]

  /// Every thread count fits a machine of `cores` cores; the error points at the count in `file`.
  package func checkThreads(cores: Int, file: String) throws(SuiteError) {
    for point in points {
      if let count = point.threads.counts.first(where: { $0 > cores }) {
        throw SuiteError(
          file: file, line: point.threads.position?.line, column: point.threads.position?.column,
          key: "threads",
          message:
            "\(point.name): \(count) threads, but this machine has \(cores) cores; use at most \(cores) or all"
        )
      }
    }
  }

  /// Every point × thread config, in order: what a run measures and stores (named `<point>/t<threads>`).
  package func expanded(cores: Int) -> [SuiteCase] {
    points.flatMap { point in
      point.threads.resolved(cores: cores).map { threads in
        SuiteCase(
          name: "\(point.name)/t\(threads)", point: point,
          threads: ThreadConfig(threads: threads, binding: point.bind))
      }
    }
  }
}

/// One named point of a suite, with its sampling settings and optional references.
package struct SuitePoint: Codable, Sendable, Equatable {
  package enum Target: Codable, Sendable, Equatable {
    /// A layer of a model as one factorization (`layer:` with `factorization:` or `rank:`).
    case layer(model: ResNetModel, layer: String, factorization: Factorization, frozen: FrozenFactors)
    /// A whole network as a variant (`model:` with `variant:`).
    case network(model: ResNetModel, variant: NetworkVariant, ratio: Double, policy: RankPolicy)
  }

  /// The point's name, unique within the suite.
  package var name: String
  /// The layer or network measured.
  package var target: Target
  package var batch: Int
  package var mode: Mode
  /// Thread counts; each becomes one stored case.
  package var threads: ThreadCounts
  package var bind: BindingPolicy
  /// Seconds of measurement per case, warm-up included.
  package var budget: Double
  /// Target half-width of the 95% CI, as a fraction.
  package var ci: Double
  /// Machine label (or `*`) → expected value and bounds.
  package var references: [String: Reference]
}

/// Thread counts of a point: explicit counts, `all` standing for every core.
package struct ThreadCounts: Codable, Sendable, Equatable {
  /// 0 stands for all cores.
  package var counts: [Int]
  /// Where the counts were written in the suite file (line, column; 1-based), nil for the defaults.
  package var position: (line: Int, column: Int)?

  /// Counts written at `position`.
  package init(counts: [Int], position: (line: Int, column: Int)? = nil) {
    self.counts = counts
    self.position = position
  }

  enum CodingKeys: String, CodingKey { case counts }

  /// Equal counts are equal, wherever they were written.
  package static func == (a: ThreadCounts, b: ThreadCounts) -> Bool { a.counts == b.counts }

  /// The counts with `all` replaced by `cores`, duplicates dropped, in order.
  package func resolved(cores: Int) -> [Int] {
    var result: [Int] = []
    for count in counts.map({ $0 == 0 ? cores : $0 }) where !result.contains(count) { result.append(count) }
    return result
  }
}

/// A ReFrame-style reference: the measured value must lie in [expected·(1 + lower), expected·(1 + upper)].
package struct Reference: Codable, Sendable, Equatable {
  /// What is compared: seconds per call (`s`, `ms`, `us`) or throughput (`images/s`).
  package enum Unit: String, Codable, Sendable, CaseIterable {
    case seconds = "s"
    case milliseconds = "ms"
    case microseconds = "us"
    case imagesPerSecond = "images/s"
  }

  /// The expected value, in `unit`.
  package var expected: Double
  /// Fractions, lower ≤ 0 ≤ upper typically (for example −0.1 and 0.1).
  package var lower: Double
  /// Upper bound as a fraction of `expected` (0.1: up to 10% above).
  package var upper: Double
  /// The unit of `expected` and of the measured value.
  package var unit: Unit

  /// The measured value in this reference's unit, from seconds per call and the batch.
  package func value(secondsPerCall seconds: Double, batch: Int) -> Double {
    switch unit {
    case .seconds: return seconds
    case .milliseconds: return seconds * 1e3
    case .microseconds: return seconds * 1e6
    case .imagesPerSecond: return Double(batch) / seconds
    }
  }

  /// Whether `value` lies within the bounds.
  package func accepts(_ value: Double) -> Bool {
    value >= expected * (1 + lower) && value <= expected * (1 + upper)
  }
}

/// One stored point of a run: a suite point at one thread config.
package struct SuiteCase: Codable, Sendable, Equatable {
  /// The stored name: `<point>/t<threads>`.
  package var name: String
  package var point: SuitePoint
  /// The thread config of this case.
  package var threads: ThreadConfig

  /// The sampler settings of this case.
  package var sampler: SamplerConfiguration {
    SamplerConfiguration(targetRelativeHalfWidth: point.ci, budgetSeconds: point.budget)
  }
}
