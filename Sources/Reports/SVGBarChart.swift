import Foundation

/// A grouped bar chart with CI whiskers (speed-ups per technique, one bar per mode), as SVG.
package struct SVGBarChart: Sendable {
  /// One bar: its value and its CI whisker.
  package struct Bar: Sendable {
    /// The bar's height, in the y axis's unit.
    package var value: Double
    /// Lower end of the whisker.
    package var low: Double
    /// Upper end of the whisker.
    package var high: Double

    /// A bar with its whisker.
    package init(value: Double, low: Double, high: Double) {
      self.value = value
      self.low = low
      self.high = high
    }
  }

  package var title: String
  /// A line under the title (conditions, machine).
  package var subtitle: String
  /// The y axis's label, with its unit.
  package var yLabel: String
  /// Group labels along x (for example techniques).
  package var groups: [String]
  /// Series names (for example training, inference) and their bars, one per group (nil: not measured).
  package var series: [(name: String, bars: [Bar?])]
  /// Width in SVG user units (pixels).
  package var width = 900.0
  /// Height in SVG user units (pixels).
  package var height = 520.0

  /// A chart of `series` over `groups`.
  package init(title: String, subtitle: String, yLabel: String, groups: [String], series: [(String, [Bar?])])
  {
    self.title = title
    self.subtitle = subtitle
    self.yLabel = yLabel
    self.groups = groups
    self.series = series.map { (name: $0.0, bars: $0.1) }
  }

  /// The SVG document: a zero line, bars from zero, whiskers over each bar's CI, a legend.
  package func render() -> String {
    let (left, right, top, bottom) = (80.0, 30.0, 70.0, 110.0)
    let plotW = width - left - right
    let plotH = height - top - bottom
    let values = series.flatMap { $0.bars.compactMap { $0 }.flatMap { [$0.low, $0.high, $0.value] } }
      .filter(\.isFinite)
    let ticks = SVGChart.ticks(min(values.min() ?? 0, 0), max(values.max() ?? 1, 0) * 1.05 + 1e-9)
    let yLo = ticks.first ?? 0
    let yHi = max(ticks.last ?? 1, yLo + 1)
    func y(_ v: Double) -> Double { top + plotH * (1 - (v - yLo) / (yHi - yLo)) }
    let n = SVGChart.n
    var svg = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(n(width / 2))" y="24" text-anchor="middle" font-size="16">\(SVGChart.escape(title))</text>
      <text x="\(n(width / 2))" y="44" text-anchor="middle" fill="#555">\(SVGChart.escape(subtitle))</text>

      """
    for tick in ticks {
      svg +=
        "<line x1=\"\(n(left))\" y1=\"\(n(y(tick)))\" x2=\"\(n(left + plotW))\" y2=\"\(n(y(tick)))\" "
        + "stroke=\"\(tick == 0 ? "#000" : "#ddd")\"/>\n"
      svg +=
        "<text x=\"\(n(left - 6))\" y=\"\(n(y(tick) + 4))\" text-anchor=\"end\">\(SVGChart.label(tick))</text>\n"
    }
    svg +=
      "<text transform=\"translate(18,\(n(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">"
      + "\(SVGChart.escape(yLabel))</text>\n"
    let groupW = plotW / Double(max(groups.count, 1))
    let barW = groupW * 0.8 / Double(max(series.count, 1))
    for (g, group) in groups.enumerated() {
      let x0 = left + groupW * Double(g) + groupW * 0.1
      svg +=
        "<text x=\"\(n(x0 + groupW * 0.4))\" y=\"\(n(top + plotH + 18))\" text-anchor=\"middle\">"
        + "\(SVGChart.escape(group))</text>\n"
      for (s, entry) in series.enumerated() {
        guard g < entry.bars.count, let bar = entry.bars[g], bar.value.isFinite else { continue }
        let color = SVGChart.palette[s % SVGChart.palette.count]
        let x = x0 + barW * Double(s)
        let (a, b) = (y(max(bar.value, 0)), y(min(bar.value, 0)))
        svg +=
          "<rect x=\"\(n(x))\" y=\"\(n(a))\" width=\"\(n(barW * 0.9))\" height=\"\(n(max(b - a, 0.5)))\" "
          + "fill=\"\(color)\"/>\n"
        if bar.low.isFinite && bar.high.isFinite {
          let cx = x + barW * 0.45
          svg +=
            "<line x1=\"\(n(cx))\" y1=\"\(n(y(bar.low)))\" x2=\"\(n(cx))\" y2=\"\(n(y(bar.high)))\" stroke=\"#000\"/>\n"
          for v in [bar.low, bar.high] {
            svg +=
              "<line x1=\"\(n(cx - 4))\" y1=\"\(n(y(v)))\" x2=\"\(n(cx + 4))\" y2=\"\(n(y(v)))\" stroke=\"#000\"/>\n"
          }
        }
      }
    }
    for (s, entry) in series.enumerated() {
      let x = left + 160 * Double(s)
      let ly = height - 30
      svg +=
        "<rect x=\"\(n(x))\" y=\"\(n(ly - 10))\" width=\"12\" height=\"12\" "
        + "fill=\"\(SVGChart.palette[s % SVGChart.palette.count])\"/>\n"
      svg += "<text x=\"\(n(x + 18))\" y=\"\(n(ly))\">\(SVGChart.escape(entry.name))</text>\n"
    }
    return svg + "</svg>\n"
  }
}
