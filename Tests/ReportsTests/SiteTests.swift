import Foundation
import Reports
import Store
import Testing

@Suite("The published site's HTML")
struct SiteTests {
  @Test("Markdown reports become HTML: headings, aligned tables, lists, inline code, bold and safe links")
  func markdown() {
    let html = MarkdownHTML.render(
      """
      # Title with `code`

      | point | median |
      |---|---:|
      | fc/<script>alert(1)</script> | **1.0 ms** |

      - one [link](point/a.html)
      - two [bad](javascript:alert(1))
        continued
      A paragraph & more.
      """, headingsBelow: 1)
    #expect(html.contains("<h2>Title with <code>code</code></h2>"), "\(html)")
    #expect(html.contains("<th scope=\"col\">median</th>"))
    #expect(html.contains("<td class=\"num\"><strong>1.0 ms</strong></td>"), "\(html)")
    #expect(html.contains("fc/&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"))
    #expect(html.contains("<li>one <a href=\"point/a.html\">link</a></li>"), "\(html)")
    #expect(!html.contains("href=\"javascript"), "a javascript: link stays text")
    #expect(html.contains("continued</li>") && html.contains("<p>A paragraph &amp; more.</p>"), "\(html)")
  }

  @Test("escaping covers every character that could open markup or end an attribute")
  func escaping() {
    #expect(
      HTML.escape("<a href=\"x\" title='y'>&</a>")
        == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
  }

  @Test("a site is written into a new, empty or earlier site directory; anything else is refused untouched")
  func writing() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)")
      .path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var site = Site()
    site.files["index.html"] = Data("one".utf8)
    site.files["point/a.html"] = Data("a".utf8)
    try site.write(to: directory)
    try Data("mine".utf8).write(to: URL(fileURLWithPath: directory + "/notes.txt"))
    // Publishing again replaces the site, removes what it no longer has and keeps the user's file.
    site.files["point/a.html"] = nil
    site.files["index.html"] = Data("two".utf8)
    try site.write(to: directory)
    #expect(FileManager.default.contents(atPath: directory + "/index.html") == Data("two".utf8))
    #expect(!FileManager.default.fileExists(atPath: directory + "/point/a.html"))
    #expect(FileManager.default.fileExists(atPath: directory + "/notes.txt"))
    // A directory that is not a site is refused and left as it was.
    let other = directory + "/other"
    try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
    try Data("keep".utf8).write(to: URL(fileURLWithPath: other + "/data.csv"))
    #expect {
      try site.write(to: other)
    } throws: { error in
      (error as? SiteError)?.isBadInput == true && "\(error)".contains("not a site lrd-bench published")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["data.csv"])
  }

  @Test("a point's page shows the instruction counts of the A/B runs that counted them")
  func instructionCounts() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("site-\(UUID().uuidString)")
      .path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let store = try ResultStore(path: directory + "/store.sqlite", access: .create)
    let run = try store.beginABRun(
      ABRunRecord(
        suite: "smoke", suiteDigest: "abc", label: "night-1", machineKey: "m-1",
        startedAt: "2026-12-01T03:00:00Z",
        base: "{}", new: "{}", rounds: 6, threshold: 0.03, seed: 1, fingerprint: "{}"))
    for round in 0..<6 {
      for side in ABMeasurementRecord.Side.allCases {
        try store.addABMeasurement(
          ABMeasurementRecord(
            name: "a/t1", side: side, round: round, samples: [1e-3, 1.01e-3, 0.99e-3], callsPerSample: 1,
            injected: 0), to: run.id)
      }
    }
    try store.addABInstructions(
      [ABInstructionRecord(name: "a/t1", base: 2_000_000, new: 2_020_000)], to: run.id)
    try store.finishABRun(run.id, complete: true)
    let site = try SiteBuilder.build(store: store, options: .init(), generatedAt: "now")
    let page = try #require(site.pages.first { $0.hasPrefix("point/a-t1") })
    let html = String(decoding: site.files[page]!, as: UTF8.self)
    #expect(html.contains("<h2>Instruction counts</h2>"), "\(html)")
    #expect(
      html.contains(
        "<td class=\"num\">2000000</td><td class=\"num\">2020000</td><td class=\"num\">+1.00%</td>"))
  }
}
