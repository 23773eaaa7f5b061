import Decomposition
import Networks
import Programs
import Support
import Yams

/// Typed reads of YAML nodes with positions in every error.
struct Reader {
  let file: String

  func error(_ node: Node, key: String?, _ message: String) -> SuiteError {
    SuiteError(file: file, line: node.mark?.line, column: node.mark?.column, key: key, message: message)
  }

  /// A mapping's entries by key; unknown and repeated keys are errors.
  func mapping(_ node: Node, what: String, allowed: [String]) throws(SuiteError) -> [String: Node] {
    guard case .mapping(let mapping) = node else {
      throw error(node, key: nil, "\(what) must be a mapping of keys to values")
    }
    var entries: [String: Node] = [:]
    for (keyNode, value) in mapping {
      guard let key = keyNode.string else { throw error(keyNode, key: nil, "keys must be strings") }
      guard allowed.contains(key) else {
        let close = ClosestNames.to(key, in: allowed, limit: 1)
        throw error(
          keyNode, key: key,
          "not a key of \(what)" + (close.isEmpty ? "" : " (did you mean \(close[0])?)")
            + "; keys: \(allowed.joined(separator: ", "))")
      }
      guard entries[key] == nil else { throw error(keyNode, key: key, "given twice in \(what)") }
      entries[key] = value
    }
    return entries
  }

  func scalar(_ node: Node, key: String, type: String) throws(SuiteError) -> String {
    guard case .scalar(let scalar) = node else {
      throw error(node, key: key, "must be \(type), not a list or mapping")
    }
    return scalar.string
  }

  func string(_ node: Node, key: String) throws(SuiteError) -> String {
    let text = try scalar(node, key: key, type: "a string")
    guard !text.isEmpty else { throw error(node, key: key, "must not be empty") }
    return text
  }

  func int(_ node: Node, key: String, range: ClosedRange<Int>) throws(SuiteError) -> Int {
    let text = try scalar(node, key: key, type: "an integer")
    guard let value = Int(text), range.contains(value) else {
      throw error(
        node, key: key, "must be an integer within \(range.lowerBound)…\(range.upperBound), got '\(text)'")
    }
    return value
  }

  func double(_ node: Node, key: String, range: ClosedRange<Double>) throws(SuiteError) -> Double {
    let text = try scalar(node, key: key, type: "a number")
    guard let value = Double(text), value.isFinite, range.contains(value) else {
      throw error(
        node, key: key, "must be a number within \(range.lowerBound)…\(range.upperBound), got '\(text)'")
    }
    return value
  }

  func choice<T: RawRepresentable & CaseIterable>(_ node: Node, key: String) throws(SuiteError) -> T
  where T.RawValue == String {
    let text = try scalar(node, key: key, type: "a string")
    guard let value = T(rawValue: text.lowercased()) else {
      throw error(
        node, key: key, "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return value
  }

  /// `threads`: a count, `all`, or a list of them.
  func threads(_ node: Node) throws(SuiteError) -> ThreadCounts {
    func one(_ item: Node) throws(SuiteError) -> Int {
      let text = try scalar(item, key: "threads", type: "a thread count or all")
      if text.lowercased() == "all" { return 0 }
      guard let count = Int(text), (1...1024).contains(count) else {
        throw error(item, key: "threads", "'\(text)' is not a thread count (1…1024) or all")
      }
      return count
    }
    if case .sequence(let items) = node {
      guard !items.isEmpty else { throw error(node, key: "threads", "must list at least one count") }
      var counts: [Int] = []
      for item in items { counts.append(try one(item)) }
      return ThreadCounts(counts: counts, position: node.mark.map { ($0.line, $0.column) })
    }
    return ThreadCounts(counts: [try one(node)], position: node.mark.map { ($0.line, $0.column) })
  }

  /// Settings read from `entries` on top of `base`.
  func settings(_ entries: [String: Node], over base: Settings) throws(SuiteError) -> Settings {
    var s = base
    if let node = entries["model"] {
      let text = try string(node, key: "model")
      guard let model = ResNetModel(parsing: text) else {
        throw error(
          node, key: "model",
          "unknown model '\(text)'; models: \(ResNetModel.allCases.map(\.rawValue).joined(separator: ", "))")
      }
      s.model = model
    }
    if let node = entries["batch"] { s.batch = try int(node, key: "batch", range: 1...4096) }
    if let node = entries["mode"] { s.mode = try choice(node, key: "mode") }
    if let node = entries["threads"] { s.threads = try threads(node) }
    if let node = entries["bind"] { s.bind = try choice(node, key: "bind") }
    if let node = entries["budget"] { s.budget = try double(node, key: "budget", range: 0.001...3600) }
    if let node = entries["ci"] { s.ci = try double(node, key: "ci", range: 0.0001...0.5) }
    if let node = entries["ratio"] { s.ratio = try double(node, key: "ratio", range: 1.0001...1000) }
    if let node = entries["policy"] { s.policy = try choice(node, key: "policy") }
    if let node = entries["frozen"] {
      do {
        s.frozen = try FrozenFactors(parsing: try string(node, key: "frozen"))
      } catch {
        throw self.error(node, key: "frozen", "\(error)")
      }
    }
    return s
  }

  /// One point: a layer point (`layer` with `factorization` or `rank`) or a network point
  /// (`variant`), with settings over `defaults` and optional `references`.
  func point(_ node: Node, defaults: Settings) throws(SuiteError) -> SuitePoint {
    let entries = try mapping(node, what: "a point", allowed: SuiteParser.pointKeys)
    guard let nameNode = entries["name"] else {
      throw error(node, key: "name", "missing: every point needs a name")
    }
    let name = try string(nameNode, key: "name")
    guard !name.contains(where: { $0 == "\n" || $0 == "\t" }) else {
      throw error(nameNode, key: "name", "must be one line")
    }
    let s = try settings(entries, over: defaults)
    let target: SuitePoint.Target
    switch (entries["layer"], entries["variant"]) {
    case (let layerNode?, nil):
      target = try layerTarget(layerNode, entries, s)
    case (nil, let variantNode?):
      guard entries["factorization"] == nil, entries["rank"] == nil else {
        throw error(node, key: "variant", "a network point takes a variant, not factorization or rank")
      }
      do {
        let variant = try NetworkVariant(parsing: try string(variantNode, key: "variant"))
        _ = try NetworkPlan(
          catalog: ModelCatalog(s.model), variant: variant, ratio: s.ratio, optimizedRanks: [:])
        target = .network(model: s.model, variant: variant, ratio: s.ratio, policy: s.policy)
      } catch let error as SuiteError {
        throw error
      } catch ProgramError.ranks {
        // optimized:DIR is checked when the run loads the directory.
        let variant = try? NetworkVariant(parsing: variantNode.string ?? "")
        guard let variant else { throw error(variantNode, key: "variant", "not a variant") }
        target = .network(model: s.model, variant: variant, ratio: s.ratio, policy: s.policy)
      } catch {
        throw self.error(variantNode, key: "variant", "\(error)")
      }
    case (nil, nil):
      throw error(
        node, key: nil, "point '\(name)' needs either layer: (a layer point) or variant: (a network point)")
    case (_?, _?):
      throw error(
        node, key: "variant", "point '\(name)' has both layer: and variant:; a point measures one thing")
    }
    var references: [String: Reference] = [:]
    if let node = entries["references"] {
      guard case .mapping(let mapping) = node else {
        throw error(
          node, key: "references", "must map machine labels (or *) to {expected, lower, upper, unit}")
      }
      for (labelNode, value) in mapping {
        let label = try string(labelNode, key: "references")
        references[label] = try reference(value, label: label)
      }
    }
    return SuitePoint(
      name: name, target: target, batch: s.batch, mode: s.mode, threads: s.threads, bind: s.bind,
      budget: s.budget,
      ci: s.ci, references: references)
  }

  func layerTarget(_ layerNode: Node, _ entries: [String: Node], _ s: Settings) throws(SuiteError)
    -> SuitePoint.Target
  {
    let layerName = try string(layerNode, key: "layer")
    let catalog = ModelCatalog(s.model)
    let layer: LayerSpec
    do {
      layer = try catalog.layer(named: layerName)
    } catch {
      throw self.error(layerNode, key: "layer", "\(error)")
    }
    let factorization: Factorization
    switch (entries["factorization"], entries["rank"]) {
    case (let node?, nil):
      let text = try string(node, key: "factorization")
      do {
        factorization =
          text.lowercased() == "alpha"
          ? try RankSelection.factorization(for: layer, ratio: s.ratio) : try Factorization(parsing: text)
        try factorization.validate(for: layer)
      } catch {
        throw self.error(node, key: "factorization", "\(error)")
      }
    case (nil, let node?):
      let rank = try int(node, key: "rank", range: 1...RankSelection.fullRank(of: layer))
      factorization = RankSelection.factorization(for: layer, sweptRank: rank)
    case (nil, nil):
      factorization = .original
    case (_?, _?):
      throw error(layerNode, key: "rank", "give factorization: or rank:, not both")
    }
    return .layer(model: s.model, layer: layer.name, factorization: factorization, frozen: s.frozen)
  }

  func reference(_ node: Node, label: String) throws(SuiteError) -> Reference {
    let entries = try mapping(node, what: "reference '\(label)'", allowed: SuiteParser.referenceKeys)
    guard let expectedNode = entries["expected"] else {
      throw error(node, key: "expected", "missing in reference '\(label)'")
    }
    let expected = try double(expectedNode, key: "expected", range: 1e-12...1e12)
    let lower =
      try entries["lower"].map { (n) throws(SuiteError) in try double(n, key: "lower", range: -1...10) }
      ?? -0.1
    let upper =
      try entries["upper"].map { (n) throws(SuiteError) in try double(n, key: "upper", range: -1...10) }
      ?? 0.1
    guard lower <= upper else {
      throw error(
        node, key: "lower", "lower bound \(lower) is above the upper bound \(upper) in reference '\(label)'")
    }
    let unit: Reference.Unit =
      try entries["unit"].map { (n) throws(SuiteError) in try choice(n, key: "unit") } ?? .seconds
    return Reference(expected: expected, lower: lower, upper: upper, unit: unit)
  }
}
