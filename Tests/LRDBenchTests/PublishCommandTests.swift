import Foundation
import Store
import Testing

@testable import lrd_bench

/// A tiny suite whose second point's name and the runs' labels carry HTML.
private let siteSuite = """
  suite: tiny-site
  defaults: {batch: 1, threads: 1, budget: 0.1}
  points:
    - {name: fc/alpha, layer: fc, factorization: alpha}
    - {name: "l1c1/<script>alert(1)</script>", layer: layer1.0.conv1, factorization: alpha}
  """

/// Where the published test site and its screenshots are kept after the tests (test artifacts).
let siteArtifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("../../.build/test-artifacts/site").standardized.path

/// The path of `tool` on PATH, nil when it is not installed.
func installed(_ tool: String) -> String? {
  for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
    let path = "\(directory)/\(tool)"
    if FileManager.default.isExecutableFile(atPath: path) { return path }
  }
  return nil
}

/// Runs `path` with `arguments`; returns status, stdout and stderr (written to a file meanwhile, so neither
/// pipe can fill and block the child).
func runProgram(_ path: String, _ arguments: [String]) throws -> (
  status: Int32, stdout: String, stderr: String
) {
  let errorFile = temporaryPath("stderr")
  defer { try? FileManager.default.removeItem(atPath: errorFile) }
  _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: path)
  process.arguments = arguments
  let out = Pipe()
  process.standardOutput = out
  process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
  try process.run()
  let output = out.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  let errors = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
  return (process.terminationStatus, String(decoding: output, as: UTF8.self), errors)
}

@Suite("lrd-bench publish", .serialized)
struct PublishCommandTests {
  /// A store of three runs of the tiny suite (labels with HTML in them), three nights of A/B runs (the second's
  /// new build with a 50% slowdown injected into fc) and a tiny sweep, published into `siteArtifacts/site`; made
  /// once.
  static let published: Result<String, any Error> = Result {
    let directory = siteArtifacts
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let suite = directory + "/tiny-site.yaml"
    try siteSuite.write(toFile: suite, atomically: true, encoding: .utf8)
    let store = directory + "/store.sqlite"
    for night in 1...3 {
      let run = try runTool(["run", suite, "--store", store, "--label", "night <b>\(night)</b>", "--quiet"])
      guard run.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["run": run.stderr]) }
    }
    // Three nights of A/B runs; the second one's new build is 50% slower on fc.
    for night in 1...3 {
      let ab = try runTool(
        [
          "ab", suite, "--base", executable, "--rounds", "8", "--processes", "2", "--store", store, "--label",
          "night-\(night)", "--quiet",
        ] + (night == 2 ? ["--new-env", "LRD_BENCH_INJECT_SLOWDOWN=0.5@^fc/"] : []))
      guard night != 2 || ab.status == 2 else {
        throw CocoaError(.fileWriteUnknown, userInfo: ["ab": ab.stderr])
      }
    }
    let sweep = try runTool([
      "sweep", "--layer", "fc", "--from", "200", "--to", "100", "--step", "50", "--budget", "0.02",
      "--threads",
      "1", "--batch", "1", "--out", directory + "/sweep", "--quiet", "--no-backend-check",
    ])
    guard sweep.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["sweep": sweep.stderr]) }
    let publish = try runTool([
      "publish", "--store", store, "--out", directory + "/site", "--runs", directory + "/sweep",
    ])
    guard publish.status == 0 else {
      throw CocoaError(.fileWriteUnknown, userInfo: ["publish": publish.stderr])
    }
    return directory + "/site"
  }

  static func site() throws -> String { try published.get() }

  static func read(_ page: String) throws -> String {
    try String(contentsOfFile: try site() + "/" + page, encoding: .utf8)
  }

  /// Every HTML page of the site, relative to it.
  static func pages() throws -> [String] {
    let site = try site()
    return (FileManager.default.enumerator(atPath: site)?.allObjects as? [String] ?? [])
      .filter { $0.hasSuffix(".html") }.sorted()
  }

  @Test(
    "the site has an index, a page per run, A/B run, point and study; the injected regression is in the grid")
  func pagesAndGrid() throws {
    let pages = try Self.pages()
    for page in [
      "index.html", "run/1.html", "run/2.html", "run/3.html", "ab/1.html", "ab/2.html", "ab/3.html",
      "runs/sweep/index.html",
    ] {
      #expect(pages.contains(page), "\(pages)")
    }
    #expect(pages.filter { $0.hasPrefix("point/") }.count == 2, "\(pages)")
    let index = try Self.read("index.html")
    // The fc row of the grid: the second night's cell is a regression, with its symbol, linking to that A/B
    // run's page (the other nights compare a build with itself: their verdicts are left to the noise).
    let row = try #require(
      index.components(separatedBy: "<tr>").first { $0.contains(">fc/alpha/t1</a></th>") })
    let cells = Array(row.components(separatedBy: "<td").dropFirst())
    #expect(cells.count == 3, "\(row)")
    #expect(
      cells.count == 3 && cells[1].hasPrefix(" class=\"regression\"")
        && cells[1].contains("<a href=\"ab/2.html\">▲</a>"), "\(row)")
    #expect(index.contains("tiny-site") && index.contains("AMD") || index.contains("Intel"))
    let point = try Self.read(try #require(pages.first { $0.hasPrefix("point/fc-") }))
    #expect(point.contains("alt=\"Median time per call of fc/alpha/t1 over 3 runs"), "a text alternative")
    #expect(point.contains("Nightly A/B") && point.contains("regression"))
    let study = try Self.read("runs/sweep/index.html")
    #expect(study.contains("<img class=\"chart\" src=\"sweep.svg\""), "\(study.prefix(600))")
  }

  @Test("HTML in labels and point names is escaped on every page: the only scripts are the site's own")
  func escaping() throws {
    for page in try Self.pages() {
      let html = try Self.read(page)
      let scripts = html.components(separatedBy: "<script").count - 1
      #expect(
        scripts == 1 && html.contains("sort.js\" defer></script>"), "\(page) has \(scripts) script tags")
      #expect(!html.contains("<b>"), "\(page): a label's markup was not escaped")
    }
    #expect(try Self.read("index.html").contains("l1c1/&lt;script&gt;alert(1)&lt;/script&gt;/t1"))
  }

  @Test(
    "every page passes the HTML validator (tidy) with no error or warning",
    .enabled(if: installed("tidy") != nil, "tidy is not installed (scripts/setup --test installs it)"))
  func validHTML() throws {
    let tidy = try #require(installed("tidy"))
    for page in try Self.pages() {
      let result = try runProgram(tidy, ["-e", "-q", try Self.site() + "/" + page])
      #expect(result.status == 0, "\(page): \(result.stderr)")
    }
  }

  @Test(
    "in headless Chromium the index and a point page load with no console message or missing file; screenshots kept",
    .enabled(if: installed("chromium") != nil, "chromium is not installed (scripts/setup --test installs it)")
  )
  func inABrowser() throws {
    let chromium = try #require(installed("chromium"))
    let site = try Self.site()
    let point = try #require(try Self.pages().first { $0.hasPrefix("point/fc-") })
    for (page, shot) in [("index.html", "index.png"), (point, "point.png")] {
      let url = URL(fileURLWithPath: site + "/" + page).absoluteString
      let base = [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
        "--v=1",
        "--user-data-dir=" + siteArtifacts + "/chromium-profile",
      ]
      let screenshot = siteArtifacts + "/" + shot
      let shown = try runProgram(
        chromium, base + ["--window-size=1280,1400", "--screenshot=" + screenshot, url])
      #expect(shown.status == 0, "\(page): chromium exited \(shown.status)")
      let size = (try? FileManager.default.attributesOfItem(atPath: screenshot)[.size] as? Int) ?? 0
      #expect(size > 20_000, "\(page): a \(size)-byte screenshot")
      let log = shown.stderr.split(separator: "\n")
      let console = log.filter { $0.contains(":CONSOLE") }
      #expect(console.isEmpty, "\(page): \(console)")
      // Every file the browser asked for exists (stylesheet, script, charts, the page itself).
      let requested = log.compactMap { line -> String? in
        guard let range = line.range(of: "FileURLLoader::Start: ") else { return nil }
        return URL(string: String(line[range.upperBound...]))?.path
      }
      #expect(requested.count >= 3, "\(page): \(requested)")
      for file in requested {
        #expect(FileManager.default.fileExists(atPath: file), "\(page) asked for \(file)")
      }
      // The DOM after the scripts ran: sort.js marked the headers sortable.
      let dom = try runProgram(chromium, base + ["--dump-dom", url])
      #expect(dom.stdout.contains("data-sortable"), "\(page): the sorting script did not run")
    }
  }

  @Test("an empty store gets a page saying so; an --out holding something else is refused untouched")
  func badInput() throws {
    let directory = temporaryPath("publish")
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory + "/other", withIntermediateDirectories: true)
    _ = try ResultStore(path: directory + "/empty.sqlite", access: .create)
    #expect(exitCode(["publish", "--store", directory + "/empty.sqlite", "--out", directory + "/site"]) == 0)
    let index = try String(contentsOfFile: directory + "/site/index.html", encoding: .utf8)
    #expect(index.contains("The store holds no runs yet"))
    try Data("keep".utf8).write(to: URL(fileURLWithPath: directory + "/other/data.csv"))
    let refused = try runTool([
      "publish", "--store", directory + "/empty.sqlite", "--out", directory + "/other",
    ])
    #expect(
      refused.status == 64 && refused.stderr.contains("not a site lrd-bench published"), "\(refused.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/other") == ["data.csv"])
    #expect(exitCode(["publish", "--store", directory + "/missing.sqlite", "--out", directory + "/x"]) == 64)
    #expect(exitCode(["publish", "--store", directory + "/empty.sqlite", "--since", "yesterday"]) == 64)
  }
}
