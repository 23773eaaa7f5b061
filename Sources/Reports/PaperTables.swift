import Networks

/// The paper's own figures (its Tables 1 and 3, measured on a GPU), printed beside ours for
/// reference only and never mixed into our columns.
package enum PaperTables {
  /// Table 1: layers, params (M), FLOPs (G), train images/s, infer images/s.
  package struct Summary: Sendable {
    /// Layers, counted as the paper counts them.
    package var layers: Int
    /// Parameters in millions.
    package var parameters: Double
    /// FLOPs per image in billions.
    package var flops: Double
    /// Training images per second on the paper's GPU.
    package var training: Double
    /// Inference images per second on the paper's GPU.
    package var inference: Double
  }

  /// Table 3: layers, Δparams %, ΔFLOPs %, train speed-up %, infer speed-up %.
  package struct Row: Sendable {
    /// The technique's name as the paper prints it.
    package var technique: String
    /// Layers, counted as the paper counts them.
    package var layers: Int
    /// Parameter change against the original, in percent.
    package var parametersChange: Double
    /// FLOPs change against the original, in percent.
    package var flopsChange: Double
    /// Training speed-up in percent.
    package var training: Double
    /// Inference speed-up in percent.
    package var inference: Double
  }

  /// (original, vanilla LRD) of Table 1.
  package static func table1(_ model: ResNetModel) -> (original: Summary, lrd: Summary) {
    switch model {
    case .resnet50:
      return (
        Summary(layers: 50, parameters: 25.56, flops: 8.23, training: 346, inference: 1232),
        Summary(layers: 115, parameters: 12.78, flops: 4.67, training: 367, inference: 1316)
      )
    case .resnet101:
      return (
        Summary(layers: 101, parameters: 44.55, flops: 15.68, training: 207, inference: 713),
        Summary(layers: 233, parameters: 22.21, flops: 8.39, training: 227, inference: 788)
      )
    case .resnet152:
      return (
        Summary(layers: 152, parameters: 60.19, flops: 23.14, training: 145, inference: 510),
        Summary(layers: 352, parameters: 30.01, flops: 12.11, training: 162, inference: 577)
      )
    }
  }

  /// Table 3's rows for `model` (the paper reports all zeros for layer branching).
  package static func table3(_ model: ResNetModel) -> [Row] {
    func rows(_ values: [(Int, Double, Double, Double, Double)]) -> [Row] {
      zip(["Vanilla LRD", "Optimized ranks", "Layer freezing", "Layer merging", "Layer branching"], values)
        .map {
          Row(
            technique: $0, layers: $1.0, parametersChange: $1.1, flopsChange: $1.2, training: $1.3,
            inference: $1.4)
        }
    }
    switch model {
    case .resnet50:
      return rows([
        (115, -50.00, -43.26, 6.07, 6.82), (115, -47.28, -47.71, 14.16, 13.96),
        (115, -50.00, -43.26, 24.57, 6.82),
        (50, -51.49, -55.09, 43.64, 40.58), (0, 0, 0, 0, 0),
      ])
    case .resnet101:
      return rows([
        (233, -50.00, -46.53, 9.66, 10.52), (233, -51.96, -49.56, 14.49, 19.92),
        (233, -50.00, -46.53, 29.95, 10.52),
        (101, -56.40, -58.86, 52.66, 54.56), (0, 0, 0, 0, 0),
      ])
    case .resnet152:
      return rows([
        (352, -50.00, -47.69, 11.73, 13.14), (352, -51.86, -50.20, 15.86, 18.43),
        (352, -50.00, -47.69, 31.72, 13.14),
        (152, -58.11, -60.18, 55.86, 54.90), (0, 0, 0, 0, 0),
      ])
    }
  }
}
