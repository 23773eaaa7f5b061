import Foundation

/// A small SVG line chart: series of (x, y) points, horizontal reference lines, labelled markers, axes with
/// "nice" ticks (1, 2, 5 × 10ᵏ), axis titles and a legend.
///
/// Deterministic output.
package struct SVGChart: Sendable {
  /// One line of points.
  package struct Series: Sendable {
    package var name: String
    /// Stroke colour (CSS).
    package var color: String
    /// The points, in x order.
    package var points: [(x: Double, y: Double)]
    /// True for a dashed line.
    package var dashed: Bool
    /// True to draw a dot at every point.
    package var showsDots: Bool
    /// Vertical error bars (for example 95% CIs): x with the low and high y.
    package var intervals: [(x: Double, low: Double, high: Double)]
    /// When set, the line joins only points at most this far apart in x (points measured with gaps between
    /// them stay unjoined dots); nil joins every point.
    package var joinsWithin: Double? = nil

    /// A series; solid, with dots, no intervals by default.
    package init(
      name: String, color: String, points: [(x: Double, y: Double)], dashed: Bool = false,
      showsDots: Bool = true, intervals: [(x: Double, low: Double, high: Double)] = []
    ) {
      self.name = name
      self.color = color
      self.points = points.filter { $0.x.isFinite && $0.y.isFinite }
      self.dashed = dashed
      self.showsDots = showsDots
      self.intervals = intervals.filter { $0.x.isFinite && $0.low.isFinite && $0.high.isFinite }
    }
  }

  /// A highlighted point (drawn as a shape and named in the legend, so labels never overlap the data).
  package struct Marker: Sendable {
    /// The symbols a marker can be drawn as.
    package enum Shape: String, Sendable { case circle, diamond, triangle, square }
    /// x in data units.
    package var x: Double
    /// y in data units.
    package var y: Double
    package var label: String
    /// Fill colour (CSS).
    package var color: String
    package var shape: Shape

    package init(x: Double, y: Double, label: String, color: String, shape: Shape) {
      self.x = x
      self.y = y
      self.label = label
      self.color = color
      self.shape = shape
    }
  }

  /// A horizontal reference line, optionally with a shaded band (for example the original's drift range).
  package struct Reference: Sendable {
    /// y of the line, in data units.
    package var y: Double
    package var label: String
    /// Line colour (CSS).
    package var color: String
    /// A shaded range around the line, nil for none.
    package var band: (low: Double, high: Double)?

    /// A reference line; a band with a non-finite end is dropped.
    package init(y: Double, label: String, color: String, band: (low: Double, high: Double)? = nil) {
      self.y = y
      self.label = label
      self.color = color
      self.band = band.flatMap { $0.low.isFinite && $0.high.isFinite ? $0 : nil }
    }
  }

  package var title: String
  /// A line under the title (conditions, machine).
  package var subtitle: String
  /// The x axis's label, with its unit.
  package var xLabel: String
  /// The y axis's label, with its unit.
  package var yLabel: String
  /// Lines drawn, in legend order.
  package var series: [Series] = []
  package var references: [Reference] = []
  package var markers: [Marker] = []
  /// Width in SVG user units (pixels).
  package var width = 900.0
  /// Height in SVG user units (pixels).
  package var height = 540.0
  /// Explicit x tick values (for example the branch counts); automatic when nil.
  package var xTickValues: [Double]?
  /// Draw the x axis from high to low (rank sweeps go downward, as in the paper's Figure 2).
  package var reverseX = false

  /// An empty chart with titles and axis labels.
  package init(title: String, subtitle: String = "", xLabel: String, yLabel: String) {
    self.title = title
    self.subtitle = subtitle
    self.xLabel = xLabel
    self.yLabel = yLabel
  }

  /// The palette used for series (colour-blind friendly, Okabe–Ito).
  package static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

  /// Nice tick values covering [lo, hi].
  package static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
    guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
    let raw = (hi - lo) / Double(max(count - 1, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var values: [Double] = []
    var v = (lo / step).rounded(.up) * step
    while v <= hi + step * 1e-9 {
      values.append(abs(v) < step * 1e-9 ? 0 : v)
      v += step
    }
    return values
  }

  static func label(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
    return String(format: abs(v) >= 100 ? "%.0f" : abs(v) >= 10 ? "%.1f" : "%.2f", v)
  }

  static func escape(_ text: String) -> String { HTML.escape(text) }

  static func n(_ v: Double) -> String { String(format: "%.1f", v) }

  package func render() -> String {
    let references = self.references.filter { $0.y.isFinite }
    let markers = self.markers.filter { $0.x.isFinite && $0.y.isFinite }
    let n = Self.n
    let left = 80.0
    let right = 30.0
    let top = 70.0
    var seen = Set<String>()
    let legendMarkers = markers.filter { seen.insert($0.label).inserted }
    let legendTexts =
      series.map(\.name)
      + references.map { $0.label + ($0.band == nil ? "" : " (band: range of its measurements)") }
      + legendMarkers.map(\.label)
    let plotW = width - left - right
    // The legend's height is known before the plot's (it sits 62 px below the plot, under the x-axis title).
    let legendHeight = LegendLayout(legendTexts, left: left, top: 0, width: plotW).height
    let bottom = 70.0 + legendHeight
    let plotH = height - top - bottom
    let xs = series.flatMap { $0.points.map(\.x) } + markers.map(\.x)
    let ys =
      series.flatMap { $0.points.map(\.y) + $0.intervals.flatMap { [$0.low, $0.high] } } + references.map(\.y)
      + references.compactMap { $0.band.map { [$0.low, $0.high] } }.flatMap { $0 } + markers.map(\.y)
    var xLo = xs.min() ?? 0
    var xHi = xs.max() ?? 1
    if xLo == xHi {
      xLo -= 1
      xHi += 1
    }
    var yLo = min(ys.min() ?? 0, 0)
    var yHi = ys.max() ?? 1
    if yLo == yHi { yHi = yLo + 1 }
    let yTicks = Self.ticks(yLo, yHi * 1.05)
    yLo = min(yLo, yTicks.first ?? yLo)
    yHi = max(yHi * 1.05, yTicks.last ?? yHi)
    // Integral data (ranks, branch counts) gets integral ticks only.
    let integral = xs.allSatisfy { $0 == $0.rounded() }
    let xTicks = (xTickValues ?? Self.ticks(xLo, xHi, count: 8)).filter { !integral || $0 == $0.rounded() }
    func px(_ x: Double) -> Double {
      let t = (x - xLo) / (xHi - xLo)
      return left + (reverseX ? 1 - t : t) * plotW
    }
    func py(_ y: Double) -> Double { top + (1 - (y - yLo) / (yHi - yLo)) * plotH }

    var out: [String] = []
    out.append(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"
    )
    out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
    out.append(
      "<text x=\"\(n(width / 2))\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">\(Self.escape(title))</text>"
    )
    if !subtitle.isEmpty {
      out.append(
        "<text x=\"\(n(width / 2))\" y=\"44\" text-anchor=\"middle\" fill=\"#444\">\(Self.escape(subtitle))</text>"
      )
    }
    // Grid and ticks.
    for t in yTicks {
      let y = py(t)
      out.append(
        "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(left + plotW))\" y2=\"\(n(y))\" stroke=\"#e5e5e5\"/>"
      )
      out.append("<text x=\"\(n(left - 8))\" y=\"\(n(y + 4))\" text-anchor=\"end\">\(Self.label(t))</text>")
    }
    for t in xTicks {
      let x = px(t)
      out.append(
        "<line x1=\"\(n(x))\" y1=\"\(n(top + plotH))\" x2=\"\(n(x))\" y2=\"\(n(top + plotH + 5))\" stroke=\"#333\"/>"
      )
      out.append(
        "<text x=\"\(n(x))\" y=\"\(n(top + plotH + 20))\" text-anchor=\"middle\">\(Self.label(t))</text>")
    }
    out.append(
      "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\" fill=\"none\" stroke=\"#333\"/>"
    )
    out.append(
      "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(top + plotH + 42))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>"
    )
    out.append(
      "<text transform=\"translate(20 \(n(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>"
    )
    // References (bands first, under everything).
    for reference in references {
      guard let band = reference.band else { continue }
      let top = py(max(band.low, band.high))
      let height = abs(py(band.low) - py(band.high))
      out.append(
        "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(max(height, 0.5)))\" "
          + "fill=\"\(reference.color)\" fill-opacity=\"0.12\"/>")
    }
    for reference in references {
      let y = py(reference.y)
      out.append(
        "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(left + plotW))\" y2=\"\(n(y))\" stroke=\"\(reference.color)\" "
          + "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>")
    }
    // Series.
    for s in series where !s.points.isEmpty {
      var runs: [[(x: Double, y: Double)]] = []
      for point in s.points.sorted(by: { $0.x < $1.x }) {
        if let last = runs.last?.last, point.x - last.x <= s.joinsWithin ?? .infinity {
          runs[runs.count - 1].append(point)
        } else {
          runs.append([point])
        }
      }
      for run in runs where run.count > 1 || s.joinsWithin == nil {
        let path = run.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " ")
        out.append(
          "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.5\""
            + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>")
      }
      for bar in s.intervals {
        let x = px(bar.x)
        out.append(
          "<line x1=\"\(n(x))\" y1=\"\(n(py(bar.low)))\" x2=\"\(n(x))\" y2=\"\(n(py(bar.high)))\" "
            + "stroke=\"\(s.color)\" stroke-opacity=\"0.45\"/>")
      }
      if s.showsDots {
        for p in s.points {
          out.append("<circle cx=\"\(n(px(p.x)))\" cy=\"\(n(py(p.y)))\" r=\"2\" fill=\"\(s.color)\"/>")
        }
      }
    }
    // Markers.
    for m in markers {
      out.append(Self.shape(m.shape, x: px(m.x), y: py(m.y), color: m.color))
    }
    // Legend: under the plot, laid out so entries never overlap (see `LegendLayout`).
    let legend = LegendLayout(legendTexts, left: left, top: top + plotH + 62, width: plotW)
    var symbols: [(Double, Double) -> String] = []
    for s in series {
      symbols.append { x, y in
        "<line x1=\"\(n(x))\" y1=\"\(n(y))\" x2=\"\(n(x + 22))\" y2=\"\(n(y))\" stroke=\"\(s.color)\" stroke-width=\"3\""
          + (s.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>"
      }
    }
    for reference in references {
      symbols.append { x, y in
        "<line x1=\"\(n(x))\" y1=\"\(n(y))\" x2=\"\(n(x + 22))\" y2=\"\(n(y))\" stroke=\"\(reference.color)\" "
          + "stroke-width=\"2\" stroke-dasharray=\"4 3\"/>"
      }
    }
    for m in legendMarkers {
      symbols.append { x, y in Self.shape(m.shape, x: x + 11, y: y, color: m.color) }
    }
    for (entry, symbol) in zip(legend.entries, symbols) {
      out.append(symbol(entry.x, entry.y - 4))
      for (index, line) in entry.lines.enumerated() {
        out.append(
          "<text x=\"\(n(entry.x + LegendLayout.symbolWidth))\" y=\"\(n(entry.y + Double(index) * LegendLayout.lineHeight))\">"
            + "\(Self.escape(line))</text>")
      }
    }
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  static func shape(_ shape: Marker.Shape, x: Double, y: Double, color: String) -> String {
    let body: String
    switch shape {
    case .circle: body = "<circle cx=\"11\" cy=\"0\" r=\"6\"/>"
    case .diamond: body = "<polygon points=\"11,-7 18,0 11,7 4,0\"/>"
    case .triangle: body = "<polygon points=\"11,-7 18,6 4,6\"/>"
    case .square: body = "<rect x=\"5\" y=\"-6\" width=\"12\" height=\"12\"/>"
    }
    return
      "<g transform=\"translate(\(n(x - 11)) \(n(y)))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\">\(body)</g>"
  }
}
