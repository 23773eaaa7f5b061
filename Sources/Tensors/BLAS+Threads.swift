import CBLAS
import Support

extension BLAS {
  /// The number of threads the GEMM backend uses for the next call (set with `setThreads`).
  package static var threads: Int {
    if let blis { return blis.threads }
    return backend == .onednn ? DNNL.threads : Int(openblas_get_num_threads())
  }

  /// OpenBLAS's thread count (whatever the backend).
  static var openblasThreads: Int32 { openblas_get_num_threads() }

  /// OpenBLAS's thread count (whatever the backend), for binding its threads.
  package static var openblasThreadCount: Int { Int(openblas_get_num_threads()) }

  /// Sets how many threads OpenBLAS (and BLIS or oneDNN, when it is the backend) use, and sizes lrd-bench's
  /// own worker pool (`Threading.pool`) to the same count.
  ///
  /// OpenBLAS keeps its pool; fewer threads means the extra workers stay idle.
  package static func setThreads(_ count: Int) {
    openblas_set_num_threads(Int32(max(1, count)))
    Threading.resize(count)
    let inUse = backendsInUse
    if inUse.contains(.blis) { BLISLibrary.shared?.setThreads(count) }
    if inUse.contains(.onednn) { DNNL.setThreads(count) }
  }

  /// The number of processors OpenBLAS detected.
  package static var processors: Int { Int(openblas_get_num_procs()) }

  /// OpenBLAS build configuration, for example "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell …".
  package static var configuration: String { String(cString: openblas_get_config()) }

  /// The kernel set OpenBLAS selected for this CPU (for example "Haswell", "SkylakeX", "Zen").
  package static var coreName: String { String(cString: openblas_get_corename()) }

  /// OpenBLAS version, parsed from `configuration` ("0.3.21"), or "unknown".
  package static var version: String {
    let words = configuration.split(separator: " ")
    if let i = words.firstIndex(of: "OpenBLAS"), i + 1 < words.count { return String(words[i + 1]) }
    return "unknown"
  }

  /// Threading model: "sequential", "pthreads" or "openmp".
  package static var parallelModel: String {
    switch openblas_get_parallel() {
    case 0: return "sequential"
    case 1: return "pthreads"
    case 2: return "openmp"
    default: return "unknown"
    }
  }

  /// Pins OpenBLAS thread `index` (0 ..< `threads`; the last index is the calling thread) to the given
  /// logical CPUs (OS indices).
  ///
  /// Throws `BLASAffinityError` with the errno on failure.
  package static func setAffinity(threadIndex index: Int, cpus: [Int]) throws(BLASAffinityError) {
    let cpuList = cpus.map { Int32($0) }
    let rc = cpuList.withUnsafeBufferPointer { buffer in
      lrd_openblas_set_affinity(Int32(index), buffer.baseAddress, Int32(buffer.count))
    }
    if rc != 0 { throw BLASAffinityError(threadIndex: index, errno: rc) }
  }

  /// The logical CPUs OpenBLAS thread `index` may run on.
  package static func affinity(threadIndex index: Int) throws(BLASAffinityError) -> [Int] {
    var cpus = [Int32](repeating: 0, count: 1024)
    let n = cpus.withUnsafeMutableBufferPointer { buffer in
      lrd_openblas_get_affinity(Int32(index), buffer.baseAddress, Int32(buffer.count))
    }
    if n < 0 { throw BLASAffinityError(threadIndex: index, errno: -n) }
    return cpus.prefix(Int(n)).map(Int.init)
  }
}

/// OpenBLAS could not set or read a thread's CPU affinity.
package struct BLASAffinityError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The OpenBLAS thread whose affinity could not be set (0-based).
  package var threadIndex: Int
  /// The errno returned by the affinity call.
  package var errno: Int32
  /// The message printed for this error.
  package var description: String {
    "OpenBLAS could not pin thread \(threadIndex) (errno \(errno)); is the index below BLAS.threads?"
  }

  /// Never bad input: a failure (exit 1).
  package var isBadInput: Bool { false }
}
