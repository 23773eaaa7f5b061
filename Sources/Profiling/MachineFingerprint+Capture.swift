import Machine

extension MachineFingerprint {
  /// Captures the fingerprint of this process with the OpenBLAS core decision it established.
  package static func capture(topology: TopologySummary) -> MachineFingerprint {
    capture(topology: topology, blasCore: BLASCoreGate.current)
  }
}
