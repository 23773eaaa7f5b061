import Foundation
import Machine
import Results
import Store
import Suites
import Support

/// Builds the static site of a results store (`lrd-bench publish`): an index (machines, suites with their latest
/// run and its verdicts against the run before, the nightly A/B verdicts of the last nights as a grid, every
/// point), a page per point (its history with change points and commits, its A/B ratio per night), a page per
/// run and per A/B run, and pages for study run directories.
package enum SiteBuilder {
  /// What to publish.
  package struct Options: Sendable {
    /// Only this machine key's runs (nil: every machine).
    package var machine: String?
    /// Only runs started at or after this ISO 8601 date or time (nil: all).
    package var since: String?
    /// Study run directories (sweep, ranks, table, …) to give pages too.
    package var runDirectories: [String]
    /// How runs are compared (the run pages' and the index's verdicts, the change points).
    package var settings: ComparisonSettings
    /// A/B runs in the index's grid (the latest).
    package var nights: Int

    package init(
      machine: String? = nil, since: String? = nil, runDirectories: [String] = [],
      settings: ComparisonSettings = ComparisonSettings(), nights: Int = 30
    ) {
      self.machine = machine
      self.since = since
      self.runDirectories = runDirectories
      self.settings = settings
      self.nights = nights
    }
  }

  /// The site of `store` as `options` select.
  package static func build(store: ResultStore, options: Options, generatedAt: String) throws -> Site {
    var site = Site()
    site.add("site.css", HTML.stylesheet)
    site.add("sort.js", HTML.script)
    let inRange = { (started: String) in options.since.map { started >= $0 } ?? true }
    let runs = try store.runs(machine: options.machine).filter { inRange($0.startedAt) }
    let abRuns = try store.abRuns(machine: options.machine).filter { inRange($0.startedAt) }
    var points: [String: [(RunRecord, PointRecord)]] = [:]
    var pointsByRun: [Int64: [PointRecord]] = [:]
    for run in runs {
      let records = try store.points(of: run.id)
      pointsByRun[run.id] = records
      for record in records { points[record.name, default: []].append((run, record)) }
    }
    var abResults: [(ABRunRecord, [ABMeasurementRecord], ABResult?)] = []
    var instructions: [(run: ABRunRecord, count: ABInstructionRecord)] = []
    for run in abRuns {
      let measurements = try store.abMeasurements(of: run.id)
      abResults.append((run, measurements, try? ABRunner.compare(run: run, measurements: measurements)))
      instructions += try store.abInstructions(of: run.id).map { (run, $0) }
    }
    for run in runs {
      site.add(
        "run/\(run.id).html",
        runPage(
          run, points: pointsByRun[run.id] ?? [], previous: previousRun(of: run, in: runs, pointsByRun),
          settings: options.settings))
    }
    for (run, _, result) in abResults {
      let body =
        result.map { MarkdownHTML.render(ABReport.markdown($0)) }
        ?? "<p>This A/B run has no comparable measurements yet.</p>"
      site.add("ab/\(run.id).html", HTML.page(title: "A/B run ab#\(run.id)", root: "../", body: body))
    }
    let abNames = Set(abResults.flatMap { $0.2?.points.map(\.name) ?? [] })
    let pointNames = Set(points.keys).union(abNames).sorted()
    for name in pointNames {
      let history = PointHistory(point: name, records: points[name] ?? [], settings: options.settings)
      let ab = try ABHistory(point: name, runs: abResults.map { ($0.0, $0.1) })
      if !history.entries.isEmpty { site.add("point/\(slug(name)).svg", HistoryReport.svg(history)) }
      if !ab.entries.isEmpty { site.add("point/\(slug(name))-ab.svg", abChart(ab)) }
      site.add(
        "point/\(slug(name)).html",
        pointPage(history, ab, instructions: instructions.filter { $0.count.name == name }))
    }
    var studies: [(name: String, title: String)] = []
    for directory in options.runDirectories {
      let study = try studyPages(directory, into: &site, taken: studies.map(\.name))
      studies.append(study)
    }
    site.add(
      "index.html",
      index(
        store: store.path, runs: runs, pointsByRun: pointsByRun, abResults: abResults, pointNames: pointNames,
        studies: studies, options: options, generatedAt: generatedAt))
    return site
  }

  /// A file name for a point: its name with anything but letters, digits, `.` and `_` as `-`, and a hash of
  /// the whole name (two names never share a file).
  package static func slug(_ name: String) -> String {
    let safe = String(
      name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") ? $0 : "-" })
    return String(safe.prefix(80)) + "-" + String(FNV1a.hash(name) % 0x100_0000, radix: 16)
  }

  /// The run of the same suite and machine just before `run` that finished.
  static func previousRun(
    of run: RunRecord, in runs: [RunRecord], _ pointsByRun: [Int64: [PointRecord]]
  ) -> (run: RunRecord, points: [PointRecord])? {
    runs.last {
      $0.id < run.id && $0.suite == run.suite && $0.machineKey == run.machineKey && $0.status == .complete
    }.map { ($0, pointsByRun[$0.id] ?? []) }
  }

  /// Verdict counts in words with their symbols ("▲ 1 regression, ▼ 0 improvements, …").
  static func summary(_ verdicts: [ComparisonVerdict]) -> String {
    let count = { (v: ComparisonVerdict) in verdicts.filter { $0 == v }.count }
    return
      "▲ \(count(.regression)) regressed, ▼ \(count(.improvement)) improved, = \(count(.unchanged)) unchanged, "
      + "? \(count(.inconclusive)) inconclusive"
  }

  /// A verdict's CSS class and symbol.
  static func mark(_ verdict: ComparisonVerdict) -> (css: String, symbol: String) {
    switch verdict {
    case .regression: return ("regression", "▲")
    case .improvement: return ("improvement", "▼")
    case .unchanged: return ("unchanged", "=")
    case .inconclusive: return ("inconclusive", "?")
    }
  }

  /// An image of a chart file, with its text alternative.
  static func image(_ source: String, alt: String) -> String {
    "<p><img class=\"chart\" src=\"\(HTML.escape(source))\" alt=\"\(HTML.escape(alt))\"></p>"
  }
}

extension SiteBuilder {
  static func index(
    store: String, runs: [RunRecord], pointsByRun: [Int64: [PointRecord]],
    abResults: [(ABRunRecord, [ABMeasurementRecord], ABResult?)], pointNames: [String],
    studies: [(name: String, title: String)], options: Options, generatedAt: String
  ) -> String {
    var body = [
      "<h1>lrd-bench results</h1>",
      "<p class=\"note\">Store <code>\(HTML.escape(store))</code>"
        + (options.machine.map { ", machine <code>\(HTML.escape($0))</code>" } ?? ", every machine")
        + (options.since.map { ", runs since \(HTML.escape($0))" } ?? "")
        + "; published \(HTML.escape(generatedAt)).</p>",
    ]
    if runs.isEmpty && abResults.isEmpty {
      body.append(
        "<p>The store holds no runs yet"
          + (options.since == nil && options.machine == nil ? "" : " in this selection")
          + ": record some with <code>lrd-bench run SUITE</code> or <code>scripts/nightly</code>, then publish "
          + "again.</p>")
    }
    body += machines(runs: runs, abRuns: abResults.map(\.0))
    body += suites(runs: runs, pointsByRun: pointsByRun, options: options)
    body += grid(abResults.suffix(options.nights))
    if !pointNames.isEmpty {
      body.append("<h2>Points</h2>")
      body.append(
        "<p><label>Filter points: <input class=\"filter\" data-table=\"points\" type=\"search\"></label></p>")
      body.append(
        "<table class=\"sortable\" id=\"points\"><thead><tr><th scope=\"col\">point</th>"
          + "<th scope=\"col\">runs</th></tr></thead><tbody>")
      for name in pointNames {
        let count = runs.filter { run in pointsByRun[run.id]?.contains { $0.name == name } ?? false }.count
        body.append(
          "<tr><td><a href=\"point/\(slug(name)).html\">\(HTML.escape(name))</a></td>"
            + "<td class=\"num\">\(count)</td></tr>")
      }
      body.append("</tbody></table>")
    }
    if !studies.isEmpty {
      body.append("<h2>Study runs</h2><ul>")
      for study in studies {
        body.append("<li><a href=\"runs/\(study.name)/index.html\">\(HTML.escape(study.title))</a></li>")
      }
      body.append("</ul>")
    }
    return HTML.page(title: "Results", root: "", body: body.joined(separator: "\n"))
  }

  /// Machines by key, with the fingerprint of their latest run.
  static func machines(runs: [RunRecord], abRuns: [ABRunRecord]) -> [String] {
    let keys = Array(Set(runs.map(\.machineKey) + abRuns.map(\.machineKey))).sorted()
    guard !keys.isEmpty else { return [] }
    var rows = [
      "<h2>Machines</h2>",
      "<table class=\"sortable\"><thead><tr><th scope=\"col\">machine key</th><th scope=\"col\">CPU</th>"
        + "<th scope=\"col\">cores</th><th scope=\"col\">BLAS</th><th scope=\"col\">runs</th>"
        + "<th scope=\"col\">A/B runs</th></tr></thead><tbody>",
    ]
    for key in keys {
      let latest =
        runs.last { $0.machineKey == key }?.fingerprint ?? abRuns.last { $0.machineKey == key }?.fingerprint
      let fingerprint = latest.flatMap {
        try? JSONCoding.decoder.decode(MachineFingerprint.self, from: Data($0.utf8))
      }
      rows.append(
        "<tr><td><code>\(HTML.escape(key))</code></td>"
          + "<td>\(HTML.escape(fingerprint?.cpuModel ?? "(fingerprint unreadable)"))</td>"
          + "<td class=\"num\">\(fingerprint.map { "\($0.cores)" } ?? "")</td>"
          + "<td>\(HTML.escape(fingerprint.map { "OpenBLAS \($0.openBLAS.version) (\($0.openBLAS.coreName))" } ?? ""))</td>"
          + "<td class=\"num\">\(runs.filter { $0.machineKey == key }.count)</td>"
          + "<td class=\"num\">\(abRuns.filter { $0.machineKey == key }.count)</td></tr>")
    }
    rows.append("</tbody></table>")
    return rows
  }

  /// Each suite's latest run per machine, with its verdicts against the run before it.
  static func suites(runs: [RunRecord], pointsByRun: [Int64: [PointRecord]], options: Options) -> [String] {
    var latest: [String: RunRecord] = [:]
    for run in runs { latest["\(run.suite)\u{0}\(run.machineKey)"] = run }
    guard !latest.isEmpty else { return [] }
    var rows = [
      "<h2>Suites</h2>",
      "<table class=\"sortable\"><thead><tr><th scope=\"col\">suite</th><th scope=\"col\">machine</th>"
        + "<th scope=\"col\">latest run</th><th scope=\"col\">started</th><th scope=\"col\">commit</th>"
        + "<th scope=\"col\">points</th><th scope=\"col\">against the run before</th></tr></thead><tbody>",
    ]
    for run in latest.values.sorted(by: { ($0.suite, $0.machineKey) < ($1.suite, $1.machineKey) }) {
      let points = pointsByRun[run.id] ?? []
      let verdicts = previousRun(of: run, in: runs, pointsByRun).map {
        summary(
          RunComparison(base: $0, new: (run, points), settings: options.settings).points.map(\.verdict))
      }
      rows.append(
        "<tr><td>\(HTML.escape(run.suite))</td><td><code>\(HTML.escape(run.machineKey))</code></td>"
          + "<td><a href=\"run/\(run.id).html\">\(HTML.escape(run.title))</a></td>"
          + "<td>\(HTML.escape(run.startedAt))</td><td><code>\(HTML.escape(String(run.commit.prefix(12))))</code></td>"
          + "<td class=\"num\">\(points.count)</td><td>\(HTML.escape(verdicts ?? "no earlier run"))</td></tr>"
      )
    }
    rows.append("</tbody></table>")
    return rows
  }

  /// The nightly A/B verdicts: a row per point, a column per A/B run (oldest first), each cell its verdict's
  /// colour and symbol, linking to that run's page.
  static func grid(_ nights: ArraySlice<(ABRunRecord, [ABMeasurementRecord], ABResult?)>) -> [String] {
    guard !nights.isEmpty else { return [] }
    let names = Array(Set(nights.flatMap { $0.2?.points.map(\.name) ?? [] })).sorted()
    var rows = [
      "<h2>Nightly A/B verdicts (last \(nights.count) A/B run\(nights.count == 1 ? "" : "s"))</h2>",
      "<p class=\"legend\">Each cell: the new build against the base in that night's A/B run. "
        + "<span class=\"regression\">▲ regression</span><span class=\"improvement\">▼ improvement</span>"
        + "<span class=\"unchanged\">= unchanged</span><span class=\"inconclusive\">? inconclusive</span>"
        + "<span class=\"failed\">✗ failed</span><span class=\"missing\">· not measured</span></p>",
      "<table class=\"grid\"><thead><tr><th scope=\"col\">point</th>",
    ]
    for (run, _, _) in nights {
      rows.append(
        "<th scope=\"col\"><a href=\"ab/\(run.id).html\" title=\"\(HTML.escape(run.label ?? "ab#\(run.id)"))\">"
          + "\(HTML.escape(String(run.startedAt.prefix(10))))<br>ab#\(run.id)</a></th>")
    }
    rows.append("</tr></thead><tbody>")
    for name in names {
      var cells = "<tr><th scope=\"row\"><a href=\"point/\(slug(name)).html\">\(HTML.escape(name))</a></th>"
      for (run, _, result) in nights {
        guard let point = result?.points.first(where: { $0.name == name }) else {
          cells += "<td class=\"missing\" title=\"not measured in ab#\(run.id)\">·</td>"
          continue
        }
        if let failure = point.failure {
          cells +=
            "<td class=\"failed\" title=\"\(HTML.escape("ab#\(run.id): failed: \(failure)"))\">"
            + "<a href=\"ab/\(run.id).html\">✗</a></td>"
          continue
        }
        let (css, symbol) = mark(point.comparison.verdict)
        let title = "ab#\(run.id): new ÷ base \(ABReport.percent(point.comparison.ratio)), \(css)"
        cells +=
          "<td class=\"\(css)\" title=\"\(HTML.escape(title))\"><a href=\"ab/\(run.id).html\">\(symbol)</a></td>"
      }
      rows.append(cells + "</tr>")
    }
    rows.append("</tbody></table>")
    return rows
  }
}

extension SiteBuilder {
  /// A run: its points and its comparison with the run before.
  static func runPage(
    _ run: RunRecord, points: [PointRecord], previous: (run: RunRecord, points: [PointRecord])?,
    settings: ComparisonSettings
  ) -> String {
    var body = [
      "<h1>Run \(HTML.escape(run.title))</h1>",
      "<p>Machine <code>\(HTML.escape(run.machineKey))</code>, commit <code>\(HTML.escape(run.commit))</code> "
        + "(\(HTML.escape(run.build))), \(run.status == .complete ? "complete" : "incomplete")"
        + (run.finishedAt.map { ", finished \(HTML.escape($0))" } ?? "") + ".</p>",
      "<table class=\"sortable\"><thead><tr><th scope=\"col\">point</th><th scope=\"col\">median</th>"
        + "<th scope=\"col\">95% CI</th><th scope=\"col\">samples</th><th scope=\"col\">CV</th>"
        + "<th scope=\"col\">stopped</th></tr></thead><tbody>",
    ]
    for point in points {
      body.append(
        "<tr><td><a href=\"../point/\(slug(point.name)).html\">\(HTML.escape(point.name))</a></td>"
          + "<td class=\"num\" data-value=\"\(point.median)\">\(Format.duration(point.median))</td>"
          + "<td class=\"num\">[\(Format.duration(point.ciLow)), \(Format.duration(point.ciHigh))]</td>"
          + "<td class=\"num\">\(point.samples.count)</td><td class=\"num\">\(Format.percent(point.cv))</td>"
          + "<td>\(HTML.escape(point.stopReason))</td></tr>")
    }
    body.append("</tbody></table>")
    if let previous {
      let comparison = RunComparison(base: previous, new: (run, points), settings: settings)
      body.append("<h2>Against run #\(previous.run.id)</h2>")
      body.append(MarkdownHTML.render(CompareReport.markdown(comparison), headingsBelow: 2))
    } else {
      body.append(
        "<p class=\"note\">No earlier finished run of this suite on this machine to compare with.</p>")
    }
    return HTML.page(title: "Run #\(run.id)", root: "../", body: body.joined(separator: "\n"))
  }

  /// A point: its median over runs (chart and table), change points with the commits between, its A/B ratio per
  /// night.
  static func pointPage(
    _ history: PointHistory, _ ab: ABHistory, instructions: [(run: ABRunRecord, count: ABInstructionRecord)]
  ) -> String {
    let file = slug(history.point)
    var body = ["<h1>\(HTML.escape(history.point))</h1>"]
    if history.entries.isEmpty {
      body.append(
        "<p class=\"note\">No run in this selection measured this point alone (only A/B runs did).</p>")
    } else {
      body.append(
        image(
          "\(file).svg",
          alt:
            "Median time per call of \(history.point) over \(history.entries.count) runs, with 95% confidence "
            + "intervals; \(history.entries.filter { $0.change != nil }.count) change points marked"))
      body.append(MarkdownHTML.render(HistoryReport.markdown(history), headingsBelow: 1))
      var changes: [String] = []
      for (index, entry) in history.entries.enumerated() where index > 0 {
        guard let change = entry.change else { continue }
        let before = history.entries[index - 1].run
        changes.append(
          "<li>#\(entry.run.id): \(HTML.escape(change.direction)) \(CompareReport.percent(change.ratio)); commits "
            + "<code>\(HTML.escape(String(before.commit.prefix(12))))..\(HTML.escape(String(entry.run.commit.prefix(12))))</code>"
            + " (runs #\(before.id) → #\(entry.run.id))</li>")
      }
      body.append("<h2>Change points</h2>")
      body.append(
        changes.isEmpty
          ? "<p>None: no run differs from the one before beyond the threshold.</p>"
          : "<ul>\n" + changes.joined(separator: "\n") + "\n</ul>")
    }
    if !ab.entries.isEmpty {
      body.append("<h2>Nightly A/B</h2>")
      body.append(
        image(
          "\(file)-ab.svg",
          alt: "New build ÷ base build of \(history.point) per A/B run, with 95% confidence intervals"))
      body.append(MarkdownHTML.render(ABHistoryReport.markdown(ab), headingsBelow: 2))
    }
    if !instructions.isEmpty {
      body.append("<h2>Instruction counts</h2>")
      body.append(
        "<p>Instructions per call under callgrind (batch 1, AVX2 kernel path) on both builds of the A/B runs that "
          + "counted them (<code>ab --instructions</code>): deterministic, so any change is the code's.</p>")
      body.append(
        "<table class=\"sortable\"><thead><tr><th scope=\"col\">A/B run</th><th scope=\"col\">started</th>"
          + "<th scope=\"col\">base</th><th scope=\"col\">new</th><th scope=\"col\">change</th></tr></thead><tbody>"
      )
      for (run, count) in instructions {
        body.append(
          "<tr><td><a href=\"../ab/\(run.id).html\">ab#\(run.id)</a></td><td>\(HTML.escape(run.startedAt))</td>"
            + "<td class=\"num\">\(Format.fixed(count.base, 0))</td><td class=\"num\">\(Format.fixed(count.new, 0))</td>"
            + "<td class=\"num\">\(count.base > 0 ? ABReport.percent(count.new / count.base) : "n/a")</td></tr>"
        )
      }
      body.append("</tbody></table>")
    }
    return HTML.page(title: history.point, root: "../", body: body.joined(separator: "\n"))
  }

  /// The A/B ratio (new ÷ base, percent) per A/B run with its CI.
  static func abChart(_ h: ABHistory) -> String {
    var chart = SVGChart(
      title: "\(h.point): new build ÷ base build per A/B run", subtitle: "95% CI over rounds; 0% = no change",
      xLabel: "A/B run", yLabel: "new ÷ base − 1 (%)")
    chart.xTickValues = h.entries.map { Double($0.run.id) }
    chart.series.append(
      .init(
        name: h.point, color: SVGChart.palette[0],
        points: h.entries.map { (Double($0.run.id), ($0.comparison.ratio - 1) * 100) },
        intervals: h.entries.map {
          (Double($0.run.id), ($0.comparison.lower - 1) * 100, ($0.comparison.upper - 1) * 100)
        }))
    chart.references.append(.init(y: 0, label: "no change", color: "#555"))
    return chart.render()
  }

  /// A study run directory's reports (every Markdown file rendered, every SVG shown) under `runs/<name>/`.
  static func studyPages(_ directory: String, into site: inout Site, taken: [String]) throws(SiteError) -> (
    name: String, title: String
  ) {
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw .runDirectory(path: directory, problem: "is not a directory")
    }
    let files = ((try? manager.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    let reports = files.filter { $0.hasSuffix(".md") }
    let charts = files.filter { $0.hasSuffix(".svg") }
    guard !reports.isEmpty || !charts.isEmpty else {
      throw .runDirectory(
        path: directory,
        problem: "holds no report (.md) or chart (.svg): give a finished sweep, ranks or table run")
    }
    let base = (directory as NSString).lastPathComponent
    var name = String(
      base.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
    while taken.contains(name) { name += "-2" }
    let kind = RunDirectory.kind(at: directory) ?? "run"
    var body = ["<h1>\(HTML.escape(kind)) run \(HTML.escape(base))</h1>"]
    for chart in charts {
      guard let data = manager.contents(atPath: directory + "/" + chart) else { continue }
      site.files["runs/\(name)/\(chart)"] = data
      body.append(image(chart, alt: "\(chart) of the \(kind) run \(base) (its text is in the tables below)"))
    }
    for report in reports {
      guard let data = manager.contents(atPath: directory + "/" + report) else { continue }
      body.append(
        "<section>\n" + MarkdownHTML.render(String(decoding: data, as: UTF8.self), headingsBelow: 1)
          + "</section>")
    }
    site.add(
      "runs/\(name)/index.html",
      HTML.page(title: "\(kind) run \(base)", root: "../../", body: body.joined(separator: "\n")))
    return (name, "\(kind) run \(base)")
  }
}
