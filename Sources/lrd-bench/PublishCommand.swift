import ArgumentParser
import Foundation
import Reports
import Store
import Suites
import Support

struct PublishCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "publish",
    abstract: "Write the results store as a static website: trends, nightly A/B verdicts, runs and studies.",
    discussion: """
      Writes plain HTML, SVG, one stylesheet and a little JavaScript (sorting and filtering tables; the pages read the same without it) to --out, for any browser, with no network access: an index (machines with their fingerprints, each suite's latest run with its verdicts against the run before, the nightly A/B verdicts of the last --nights A/B runs as a point × night grid, every point), a page per point (median and 95% CI over runs, change points with the commits between them, the A/B ratio per night), a page per run (its points and its comparison with the run before) and per A/B run, and a page per study run directory given with --runs (sweep, ranks, table: their reports and charts).

      The store is read as it is: a store of another schema version is refused untouched. --out must be new, empty or an earlier publish (it holds a .lrd-bench-site file); anything else is refused. scripts/nightly publishes to results/site/ after every night.
      """)

  @Option(
    help:
      "The results store, an SQLite file (default results/lrd-bench.sqlite).")
  var store: String?

  @Option(help: ArgumentHelp("Where to write the site.", valueName: "dir"))
  var out: String = "results/site"

  @Option(help: "Only this machine key's runs, or all.")
  var machine: String = "all"

  @Option(help: "Only runs started on or after this date (ISO 8601, e.g. 2026-11-01).")
  var since: String?

  @Option(
    parsing: .upToNextOption,
    help: ArgumentHelp("Study run directories (sweep, ranks, table, …) to give pages too.", valueName: "dir"))
  var runs: [String] = []

  @Option(parsing: .unconditional, help: "A/B runs shown in the index's grid.")
  var nights: Int = 30

  @Option(parsing: .unconditional, help: "Smallest change flagged between runs, as a fraction.")
  var threshold: Double = 0.03

  @Option(parsing: .unconditional, help: "Significance level of run comparisons.")
  var alpha: Double = 0.01

  func validate() throws {
    try CompareCommand.checkSignificance(threshold: threshold, alpha: alpha)
    if let since, HistoryCommand.date(since) == nil {
      throw ValidationError(
        "--since '\(ClosestNames.truncated(since))' is not a date; use ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00:00Z"
      )
    }
    guard (1...1000).contains(nights) else {
      throw ValidationError("--nights must be within 1…1000, got \(nights)")
    }
  }

  func run() throws {
    try guarded {
      let results = try ResultStore(path: store ?? ResultStore.defaultPath, access: .readAsIs)
      let site = try SiteBuilder.build(
        store: results,
        options: SiteBuilder.Options(
          machine: machine == "all" ? nil : machine, since: since, runDirectories: runs,
          settings: ComparisonSettings(threshold: threshold, alpha: alpha), nights: nights),
        generatedAt: ResultStore.now())
      try site.write(to: out)
      print("site: \(out)/index.html (\(site.pages.count) pages)")
    }
  }
}
