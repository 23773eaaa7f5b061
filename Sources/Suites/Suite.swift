import Decomposition
import Harness
import Networks
import Profiling
import Programs

/// A suite file (`suites/*.yaml`): named points measured together, in order, by `lrd-bench run`.
public struct Suite: Codable, Sendable, Equatable {
  /// The suite's name (its `suite:` key).
  public var name: String
  public var description: String
  /// FNV-1a of the file's text: runs of different versions of a suite are told apart.
  public var digest: String
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

  public var name: String
  public var target: Target
  public var batch: Int
  public var mode: Mode
  public var threads: ThreadCounts
  public var bind: BindingPolicy
  public var budget: Double
  public var ci: Double
  /// Machine label (or `*`) → expected value and bounds.
  public var references: [String: Reference]
}

/// Thread counts of a point: explicit counts, `all` standing for every core.
public struct ThreadCounts: Codable, Sendable, Equatable {
  /// 0 stands for all cores.
  public var counts: [Int]

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

  public var expected: Double
  /// Fractions, lower ≤ 0 ≤ upper typically (e.g. −0.1 and 0.1).
  public var lower: Double
  public var upper: Double
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
  public var name: String
  public var point: SuitePoint
  public var threads: ThreadConfig

  /// The sampler settings of this case.
  public var sampler: SamplerConfiguration {
    SamplerConfiguration(targetRelativeHalfWidth: point.ci, budgetSeconds: point.budget)
  }
}
