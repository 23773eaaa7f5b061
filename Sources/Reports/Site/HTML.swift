/// HTML text for the published site: escaping and the page frame every page shares.
package enum HTML {
  /// `text` with `&`, `<`, `>`, `"` and `'` escaped, for element content and attribute values.
  package static func escape(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": escaped += "&amp;"
      case "<": escaped += "&lt;"
      case ">": escaped += "&gt;"
      case "\"": escaped += "&quot;"
      case "'": escaped += "&#39;"
      default: escaped.append(character)
      }
    }
    return escaped
  }

  /// A whole page: `title` (escaped here), the site's stylesheet and sorting script (`root` is the relative path
  /// to the site's top, "" or "../"), a link back to the index, and `body` (HTML).
  static func page(title: String, root: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(escape(title)) · lrd-bench</title>
    <link rel="stylesheet" href="\(root)site.css">
    <script src="\(root)sort.js" defer></script>
    </head>
    <body>
    <nav><a href="\(root)index.html">lrd-bench results</a></nav>
    <main>
    \(body)
    </main>
    </body>
    </html>

    """
  }

  /// The site's one stylesheet: legible tables, verdict colours that also differ in lightness (and carry a
  /// symbol in the text), no external fonts.
  static let stylesheet = """
    body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fff; }
    nav { background: #1f3a5f; padding: 0.6em 1.2em; }
    nav a { color: #fff; font-weight: bold; text-decoration: none; }
    main { padding: 1em 1.5em; max-width: 90em; }
    table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
    th, td { border: 1px solid #c8c8c8; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
    th { background: #eef1f5; }
    th[data-sortable] { cursor: pointer; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    code { background: #f3f3f3; padding: 0 0.2em; }
    img.chart { max-width: 100%; height: auto; border: 1px solid #e0e0e0; }
    .grid td { text-align: center; min-width: 2.2em; padding: 0.15em 0.3em; }
    .grid td a { display: block; color: inherit; text-decoration: none; }
    .regression { background: #b2182b; color: #fff; }
    .improvement { background: #92c5de; color: #000; }
    .unchanged { background: #f0f0f0; color: #000; }
    .inconclusive { background: #fddbc7; color: #000; }
    .failed { background: #404040; color: #fff; }
    .missing { background: #fff; color: #767676; }
    .legend span { display: inline-block; padding: 0.1em 0.5em; margin-right: 0.4em; border: 1px solid #c8c8c8; }
    .note { color: #505050; }
    input.filter { margin: 0.4em 0; padding: 0.2em 0.4em; }

    """

  /// Plain JavaScript that makes tables marked `sortable` sortable by a click on a header and tables with a filter
  /// box filterable; the pages read the same without it.
  static let script = """
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("th").forEach(function (th, column) {
        th.setAttribute("data-sortable", "");
        th.title = "Sort by this column";
        th.addEventListener("click", function () {
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          var ascending = th.getAttribute("data-order") !== "ascending";
          rows.sort(function (a, b) {
            var x = a.cells[column].getAttribute("data-value") || a.cells[column].textContent;
            var y = b.cells[column].getAttribute("data-value") || b.cells[column].textContent;
            var nx = parseFloat(x), ny = parseFloat(y);
            var order = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
            return ascending ? order : -order;
          });
          rows.forEach(function (row) { body.appendChild(row); });
          th.setAttribute("data-order", ascending ? "ascending" : "descending");
        });
      });
    });
    document.querySelectorAll("input.filter").forEach(function (input) {
      var table = document.getElementById(input.getAttribute("data-table"));
      input.addEventListener("input", function () {
        var text = input.value.toLowerCase();
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          row.hidden = text !== "" && row.textContent.toLowerCase().indexOf(text) < 0;
        });
      });
    });

    """
}
