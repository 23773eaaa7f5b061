import Decomposition
import Harness
import Networks
import Profiling
import Programs

/// A suite file (`suites/*.yaml`): named points measured together, in order, by `lrd-bench run`.
public struct Suite: Codable, Sendable, Equatable {
  /// The suite's name (its `suite:` key).
  public var name: String
  /// The suite's `description:` text.
  public var description: String
  /// FNV-1a of the file's text: runs of different versions of a suite are told apart.
  public var digest: String
  /// The suite's points, in file order.
  public var points: [SuitePoint]

  /// Every point × thread config, in order: what a run measures and stores (named `<point>/t<threads>`).
  public func expanded(cores: Int) -> [SuiteCase] {
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
public struct SuitePoint: Codable, Sendable, Equatable {
  /// What is measured.
  public enum Target: Codable, Sendable, Equatable {
    /// A layer of a model as one factorization (`layer:` with `factorization:` or `rank:`).
    case layer(model: ResNetModel, layer: String, factorization: Factorization, frozen: FrozenFactors)
    /// A whole network as a variant (`model:` with `variant:`).
    case network(model: ResNetModel, variant: NetworkVariant, ratio: Double, policy: RankPolicy)
  }

  /// The point's name, unique within the suite.
  public var name: String
  /// The layer or network measured.
  public var target: Target
  /// Images per call.
  public var batch: Int
  /// Inference or training.
  public var mode: Mode
  /// Thread counts; each becomes one stored case.
  public var threads: ThreadCounts
  /// Thread binding.
  public var bind: BindingPolicy
  /// Seconds of measurement per case, warm-up included.
  public var budget: Double
  /// Target half-width of the 95% CI, as a fraction.
  public var ci: Double
  /// Machine label (or `*`) → expected value and bounds.
  public var references: [String: Reference]
}

/// Thread counts of a point: explicit counts, `all` standing for every core.
public struct ThreadCounts: Codable, Sendable, Equatable {
  /// 0 stands for all cores.
  public var counts: [Int]

  /// The counts with `all` replaced by `cores`, duplicates dropped, in order.
  public func resolved(cores: Int) -> [Int] {
    var result: [Int] = []
    for count in counts.map({ $0 == 0 ? cores : $0 }) where !result.contains(count) { result.append(count) }
    return result
  }
}

/// A ReFrame-style reference: the measured value must lie in [expected·(1 + lower), expected·(1 + upper)].
public struct Reference: Codable, Sendable, Equatable {
  /// What is compared: seconds per call (`s`, `ms`, `us`) or throughput (`images/s`).
  public enum Unit: String, Codable, Sendable, CaseIterable {
    case seconds = "s"
    case milliseconds = "ms"
    case microseconds = "us"
    case imagesPerSecond = "images/s"
  }

  /// The expected value, in `unit`.
  public var expected: Double
  /// Fractions, lower ≤ 0 ≤ upper typically (for example −0.1 and 0.1).
  public var lower: Double
  /// Upper bound as a fraction of `expected` (0.1: up to 10% above).
  public var upper: Double
  /// The unit of `expected` and of the measured value.
  public var unit: Unit

  /// The measured value in this reference's unit, from seconds per call and the batch.
  public func value(secondsPerCall seconds: Double, batch: Int) -> Double {
    switch unit {
    case .seconds: return seconds
    case .milliseconds: return seconds * 1e3
    case .microseconds: return seconds * 1e6
    case .imagesPerSecond: return Double(batch) / seconds
    }
  }

  /// Whether `value` lies within the bounds.
  public func accepts(_ value: Double) -> Bool {
    value >= expected * (1 + lower) && value <= expected * (1 + upper)
  }
}

/// One stored point of a run: a suite point at one thread config.
public struct SuiteCase: Codable, Sendable, Equatable {
  /// The stored name: `<point>/t<threads>`.
  public var name: String
  /// The suite point.
  public var point: SuitePoint
  /// The thread config of this case.
  public var threads: ThreadConfig

  /// The sampler settings of this case.
  public var sampler: SamplerConfiguration {
    SamplerConfiguration(targetRelativeHalfWidth: point.ci, budgetSeconds: point.budget)
  }
}
