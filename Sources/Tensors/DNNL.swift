import CDNNL
import Support

#if canImport(Glibc)
  import Glibc
#endif

/// oneDNN (Debian's `libdnnl`, 2.x, C API `dnnl.h`): the third kernel backend.
///
/// One CPU engine and one in-order stream serve the whole process (`shared`). oneDNN runs on the OpenMP
/// runtime it was built with (libgomp); its thread count is set with `setThreads`. Every call that can fail
/// goes through `check`, which maps oneDNN's status codes to `DNNLError`.
package final class DNNL: @unchecked Sendable {
  package let engine: dnnl_engine_t
  package let stream: dnnl_stream_t

  /// The process's engine and stream, created on first use (nil when oneDNN cannot create them: see
  /// `loadError`).
  package static let shared: DNNL? = try? DNNL()
  /// Why `shared` is nil.
  package static var loadError: String? {
    do {
      _ = try DNNL()
      return nil
    } catch {
      return "\(error)"
    }
  }

  init() throws(DNNLError) {
    var engine: dnnl_engine_t?
    try Self.check(dnnl_engine_create(&engine, dnnl_cpu, 0), "dnnl_engine_create")
    guard let engine else { throw .status(call: "dnnl_engine_create", code: -1) }
    var stream: dnnl_stream_t?
    do {
      try Self.check(
        dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "dnnl_stream_create")
    } catch {
      dnnl_engine_destroy(engine)
      throw error
    }
    guard let stream else {
      dnnl_engine_destroy(engine)
      throw .status(call: "dnnl_stream_create", code: -1)
    }
    self.engine = engine
    self.stream = stream
  }

  deinit {
    dnnl_stream_destroy(stream)
    dnnl_engine_destroy(engine)
  }

  /// Maps a oneDNN status to `DNNLError` (the one place status codes are interpreted).
  package static func check(_ status: dnnl_status_t, _ call: String) throws(DNNLError) {
    guard status != dnnl_success else { return }
    if status == dnnl_unimplemented { throw .unimplemented(call: call) }
    throw .status(call: call, code: Int32(status.rawValue))
  }

  /// oneDNN's release, for example "2.6.3".
  package static var version: String {
    guard let v = dnnl_version() else { return "unknown" }
    return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.patch)"
  }

  /// The instruction set oneDNN's JIT kernels dispatch to on this CPU, for example "avx512_core".
  package static var isa: String {
    switch dnnl_get_effective_cpu_isa() {
    case dnnl_cpu_isa_sse41: return "sse41"
    case dnnl_cpu_isa_avx: return "avx"
    case dnnl_cpu_isa_avx2: return "avx2"
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni"
    case dnnl_cpu_isa_avx512_core: return "avx512_core"
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni"
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16"
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx"
    default: return "isa 0x" + String(dnnl_get_effective_cpu_isa().rawValue, radix: 16)
    }
  }

  /// The OpenMP thread count of oneDNN's next primitive (-1 when no OpenMP runtime is loaded).
  package static var threads: Int { Int(lrd_omp_get_max_threads()) }

  /// Sets the OpenMP thread count of oneDNN's primitives and of `dnnl_sgemm`.
  package static func setThreads(_ count: Int) {
    _ = lrd_omp_set_num_threads(Int32(max(1, count)))
  }

  /// Pins oneDNN's OpenMP threads (one parallel region of `threads` threads: the team its primitives
  /// reuse), thread t to `cpus[t % cpus.count]`, or leaves them as they are when `cpus` is nil, and returns
  /// the CPUs each thread may run on afterwards (OS indices).
  ///
  /// Throws `BLASAffinityError` with the thread and errno when a thread cannot be pinned.
  package static func pinThreads(_ cpus: [Int]?, threads: Int) throws(BLASAffinityError) -> [[Int]] {
    let words = 16
    let count = max(1, threads)
    var errors = [Int32](repeating: 0, count: count)
    var masks = [UInt64](repeating: 0, count: count * words)
    let list = (cpus ?? []).map { Int32($0) }
    let rc = list.withUnsafeBufferPointer { cp in
      errors.withUnsafeMutableBufferPointer { ep in
        masks.withUnsafeMutableBufferPointer { mp in
          lrd_omp_pin_threads(
            cpus == nil ? nil : cp.baseAddress, Int32(list.count), Int32(count), ep.baseAddress,
            mp.baseAddress,
            Int32(words))
        }
      }
    }
    if rc != 0 { throw BLASAffinityError(threadIndex: 0, errno: ENOSYS) }
    if let bad = errors.firstIndex(where: { $0 != 0 }) {
      throw BLASAffinityError(threadIndex: bad, errno: errors[bad])
    }
    return (0..<count).map { t in
      (0..<(64 * words)).filter { masks[t * words + $0 / 64] & (UInt64(1) << UInt64($0 % 64)) != 0 }
    }
  }

  /// C ← α·op(A)·op(B) + β·C, row-major, with `dnnl_sgemm` (oneDNN's JIT GEMM).
  ///
  /// Complexity 2·m·n·k flops on `threads` OpenMP threads.
  static func sgemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>,
    lda: Int,
    b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let status = dnnl_sgemm(
      CChar(UInt8(ascii: transposeA ? "T" : "N")), CChar(UInt8(ascii: transposeB ? "T" : "N")), Int64(m),
      Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
    precondition(
      status == dnnl_success, "dnnl_sgemm failed with status \(status.rawValue) for \(m)×\(n)×\(k)")
  }
}

/// A oneDNN call failed, or oneDNN has no implementation for what was asked.
package enum DNNLError: ClassifiedError, Equatable, Sendable, CustomStringConvertible {
  /// The call returned `code` (a `dnnl_status_t`).
  case status(call: String, code: Int32)
  /// oneDNN has no implementation for these arguments (`dnnl_unimplemented`).
  case unimplemented(call: String)

  /// The message printed for this error: the call, oneDNN's status and what to do.
  package var description: String {
    switch self {
    case .status(let call, let code):
      return "oneDNN: \(call) failed with status \(code) (see dnnl_status_t in dnnl_types.h); "
        + "is libdnnl-dev (oneDNN 2.x) installed? apt-get install libdnnl-dev"
    case .unimplemented(let call):
      return
        "oneDNN: \(call): no implementation for these shapes on this CPU; use the openblas or blis backend"
    }
  }

  /// Never bad input: a failure (exit 1).
  package var isBadInput: Bool { false }
}
