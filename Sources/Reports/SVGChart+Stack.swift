extension SVGChart {
  /// Several charts as one SVG, one panel under the other (each keeps its own title, axes and legend).
  package static func stacked(_ charts: [SVGChart]) -> String {
    let width = charts.map(\.width).max() ?? 0
    let height = charts.reduce(0) { $0 + $1.height }
    var out =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
      + "viewBox=\"0 0 \(Int(width)) \(Int(height))\">\n"
    var offset = 0.0
    for chart in charts {
      var panel = chart.render()
      if let open = panel.range(of: "<svg ") {
        panel.replaceSubrange(open, with: "<svg x=\"0\" y=\"\(Int(offset))\" ")
      }
      out += panel + "\n"
      offset += chart.height
    }
    return out + "</svg>\n"
  }
}
