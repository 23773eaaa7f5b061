import Support

/// Checking requested counter events before anything is measured: `none` means no events; PAPI
/// presets and `perf::` software events are known names (measured, or reported unavailable with the
/// reason); other component events (`component::event`) are passed to PAPI; anything else must be a
/// name PAPI resolves, or it is an error that suggests the closest known names.
package enum EventNames {
  /// Parses an `--events` value: "none" → [], otherwise the comma list.
  package static func parse(_ text: String) -> [String] {
    text.lowercased() == "none" ? [] : CommaList.items(text)
  }

  /// Throws `CounterError.unknownEvent` for the first name that is none of the accepted kinds.
  package static func validate(_ names: [String]) throws(CounterError) {
    let presets = Set(PAPI.presetNames)
    var seen: Set<String> = []
    for name in names {
      guard seen.insert(name.uppercased()).inserted else {
        throw .duplicateEvent(name: ClosestNames.truncated(name))
      }
      if name.contains("::") || presets.contains(name) || PerfSoftwareCounter.lookup(name) != nil { continue }
      if case .success = PAPI.resolve(name) { continue }
      let known = PAPI.presetNames + PerfSoftwareCounter.events.keys.map { "perf::\($0)" }
      throw .unknownEvent(name: ClosestNames.truncated(name), suggestions: ClosestNames.to(name, in: known))
    }
  }
}
