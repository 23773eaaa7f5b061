import Support

/// Which network `model` and `table` build (the paper's techniques, §2), parsed from `--variant`.
///
/// Forms, combined with `+`:
/// * `original`: the network as it is (alone only);
/// * `lrd`: vanilla LRD at α (every bottleneck 1×1, downsample and fc by SVD, every 3×3 by Tucker-2,
///   the stem kept);
/// * `optimized:DIR`: per-layer ranks (or ORG) from a `ranks` result directory instead of α's;
/// * `frozen`: training with the paper's frozen factors (§2.2);
/// * `merged`: every bottleneck merged (§2.3): three convolutions, narrower inside;
/// * `branched:N`: every Tucker-2 core a grouped convolution with N branches (§2.4).
///
/// `frozen`, `merged` and `branched:N` build on `lrd` unless `optimized:DIR` is given.
package struct NetworkVariant: Hashable, Codable, Sendable, CustomStringConvertible {
  /// Where the decomposed layers' ranks come from.
  package enum Ranks: Hashable, Codable, Sendable {
    case original
    /// The ranks at compression ratio α (paper equation 6 and 7).
    case alpha
    /// Per-layer choices from a `ranks` run directory.
    case optimized(directory: String)
  }

  /// Where the decomposed layers' ranks come from.
  package var ranks: Ranks
  /// True when frozen factors get no weight gradient and no update in training.
  package var frozen: Bool
  /// True when every bottleneck is merged (paper §2.3).
  package var merged: Bool
  /// Branches of every Tucker-2 core (1: plain Tucker-2).
  package var branches: Int

  /// A variant; plain Tucker-2, not frozen, not merged by default.
  package init(ranks: Ranks, frozen: Bool = false, merged: Bool = false, branches: Int = 1) {
    self.ranks = ranks
    self.frozen = frozen
    self.merged = merged
    self.branches = branches
  }

  /// The original network, nothing decomposed.
  package static let original = NetworkVariant(ranks: .original)
  /// Vanilla LRD at α.
  package static let lrd = NetworkVariant(ranks: .alpha)

  /// The valid forms, for error messages and `--help`.
  package static let forms =
    "original, lrd, optimized:DIR, frozen, merged, branched:N, or a combination with + "
    + "(e.g. merged+branched:4, optimized:DIR+frozen)"

  /// Parses the `--variant` syntax; an unknown part or an impossible combination is an error that
  /// names it.
  package init(parsing text: String) throws(ProgramError) {
    let parts = text.split(separator: "+", omittingEmptySubsequences: false).map {
      String($0).trimmingWhitespace()
    }
    var ranks: Ranks?
    var frozen = false
    var merged = false
    var branches: Int?
    var seen = Set<String>()
    func fail(_ message: String) -> ProgramError { ProgramError.setting(.variant, "'\(text)': \(message)") }
    for part in parts {
      let lower = part.lowercased()
      let key = String(lower.prefix { $0 != ":" })
      guard seen.insert(key).inserted else { throw fail("'\(key)' appears twice") }
      switch key {
      case "original" where lower == "original":
        ranks = .original
      case "lrd" where lower == "lrd", "vanilla" where lower == "vanilla":
        if case .optimized = ranks { throw fail("lrd and optimized:DIR both choose the ranks; use one") }
        ranks = .alpha
      case "optimized":
        let directory = String(part.dropFirst("optimized:".count))
        guard lower.hasPrefix("optimized:"), !directory.isEmpty else {
          throw fail("optimized needs the ranks directory, e.g. optimized:results/ranks/<run>")
        }
        if ranks == .alpha { throw fail("lrd and optimized:DIR both choose the ranks; use one") }
        ranks = .optimized(directory: directory)
      case "frozen" where lower == "frozen":
        frozen = true
      case "merged" where lower == "merged":
        merged = true
      case "branched":
        guard let n = Int(lower.dropFirst("branched:".count)), lower.hasPrefix("branched:") else {
          throw fail("branched needs a branch count, e.g. branched:4")
        }
        guard n >= 1 else { throw fail("branched:\(n): the branch count must be at least 1") }
        branches = n
      default:
        let suggestion = ClosestNames.to(key, in: Self.partNames, limit: 1).first
        throw fail(
          "unknown part '\(part)'" + (suggestion.map { " (did you mean \($0)?)" } ?? "")
            + "; use \(Self.forms)")
      }
    }
    // Whichever part comes later (a later lrd or optimized:DIR would otherwise overwrite original).
    if seen.contains("original"), parts.count > 1 {
      throw fail("original is the undecomposed network and combines with nothing; drop the other parts")
    }
    if frozen && merged {
      throw fail(
        "frozen and merged do not combine: a merged block has no separate 1×1 factors to freeze "
          + "(merging folds them into conv1 and conv3)")
    }
    self.init(ranks: ranks ?? .alpha, frozen: frozen, merged: merged, branches: branches ?? 1)
  }

  /// The canonical form, for example `lrd`, `merged+branched:4`, `optimized:DIR+frozen`.
  package var description: String { form(namingDirectory: true) }

  /// The canonical form with `optimized` standing for any ranks directory, for example
  /// `optimized+frozen`: the same label wherever the ranks came from (journal keys, report rows).
  package var label: String { form(namingDirectory: false) }

  private func form(namingDirectory: Bool) -> String {
    var parts: [String] = []
    switch ranks {
    case .original: return "original"
    case .alpha: parts.append("lrd")
    case .optimized(let directory): parts.append(namingDirectory ? "optimized:\(directory)" : "optimized")
    }
    if frozen { parts.append("frozen") }
    if merged { parts.append("merged") }
    if branches > 1 { parts.append("branched:\(branches)") }
    if parts.count > 1 && parts[0] == "lrd" { parts.removeFirst() }
    return parts.joined(separator: "+")
  }

  /// Whether the network is decomposed at all.
  package var isDecomposed: Bool { ranks != .original }

  static let partNames = ["original", "lrd", "optimized:DIR", "frozen", "merged", "branched:N"]
}

extension String {
  /// The string without leading and trailing spaces and tabs.
  fileprivate func trimmingWhitespace() -> String {
    let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
    return String(String.UnicodeScalarView(scalars.reversed()))
  }
}
