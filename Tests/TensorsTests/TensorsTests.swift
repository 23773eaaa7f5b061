import Foundation
import Support
import Testing

@testable import Tensors

@Suite("Tensors, BLAS and LAPACK wrappers")
struct TensorsTests {
  @Test func shapesOffsetsAndSubscripts() {
    let t = Tensor(zeros: [2, 3, 4])
    #expect(t.count == 24 && t.rank == 3)
    #expect(t.offset([1, 2, 3]) == 23 && t.offset([1, 0, 0]) == 12)
    t[1, 2, 3] = 5
    #expect(t.scalars[23] == 5)
    let copy = t.copy()
    copy[0, 0, 0] = 1
    #expect(t[0, 0, 0] == 0)
  }

  @Test("gemm matches naive loops", arguments: [(false, false), (true, false), (false, true), (true, true)])
  func gemm(transposeA: Bool, transposeB: Bool) {
    var rng = SplitMix64(seed: 1)
    let (m, n, k) = (5, 4, 3)
    let a = Tensor(normal: transposeA ? [k, m] : [m, k], using: &rng)
    let b = Tensor(normal: transposeB ? [n, k] : [k, n], using: &rng)
    let c = BLAS.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k {
          let x = transposeA ? a[p, i] : a[i, p]
          let y = transposeB ? b[j, p] : b[p, j]
          sum += Double(x) * Double(y)
        }
        #expect(abs(Double(c[i, j]) - sum) < 1e-5)
      }
    }
  }

  @Test func svdOfAKnownMatrix() throws {
    // [[3, 0], [0, -2], [0, 0]]: singular values 3 and 2.
    let svd = try LAPACK.svd([3, 0, 0, -2, 0, 0], m: 3, n: 2)
    #expect(svd.p == 2)
    #expect(abs(svd.s[0] - 3) < 1e-6 && abs(svd.s[1] - 2) < 1e-6)
  }

  @Test("SVD reconstructs random matrices", arguments: [(6, 4), (4, 6), (5, 5)])
  func svdReconstructs(m: Int, n: Int) throws {
    var rng = SplitMix64(seed: 2)
    let a = Tensor(normal: [m, n], using: &rng)
    let svd = try LAPACK.svd(a.scalars, m: m, n: n)
    var usv = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        for r in 0..<svd.p { usv[i * n + j] += svd.u[i * svd.p + r] * svd.s[r] * svd.vt[r * n + j] }
      }
    }
    #expect(Tensor(shape: [m, n], scalars: usv).relativeError(to: a) < 1e-5)
    #expect(zip(svd.s, svd.s.dropFirst()).allSatisfy { $0 >= $1 })
  }

  @Test func lapackStatusCodesBecomeTypedErrors() {
    #expect(throws: NumericsError.lapack(routine: "sgesdd", info: -4)) { try LAPACK.check(-4, "sgesdd") }
    #expect(throws: NumericsError.lapack(routine: "sgesdd", info: 3)) { try LAPACK.check(3, "sgesdd") }
    #expect(NumericsError.lapack(routine: "sgesdd", info: 3).description.contains("did not converge"))
    #expect(throws: NumericsError.nonFinite(what: "matrix")) { try LAPACK.svd([.nan, 1], m: 1, n: 2) }
    #expect(throws: NumericsError.self) { try LAPACK.svd([1, 2, 3], m: 2, n: 2) }
  }

  @Test func uniformFillStaysInRangeAndIsSeeded() {
    let a = Tensor(uniform: [1001], bound: 0.5, seed: 9)
    let b = Tensor(uniform: [1001], bound: 0.5, seed: 9)
    #expect(a.scalars == b.scalars)
    #expect(a.scalars.allSatisfy { $0 >= -0.5 && $0 < 0.5 })
    let mean = a.scalars.reduce(0, +) / Float(a.count)
    #expect(abs(mean) < 0.05)
  }

  @Test func openBLASReportsItselfAndPinsThreads() throws {
    #expect(BLAS.version != "unknown" && !BLAS.coreName.isEmpty)
    let threads = BLAS.threads
    defer { BLAS.setThreads(threads) }
    BLAS.setThreads(1)
    #expect(BLAS.threads == 1)
    let before = try BLAS.affinity(threadIndex: 0)
    try BLAS.setAffinity(threadIndex: 0, cpus: [before[0]])
    #expect(try BLAS.affinity(threadIndex: 0) == [before[0]])
    try BLAS.setAffinity(threadIndex: 0, cpus: before)
    #expect(throws: BLASAffinityError.self) { try BLAS.setAffinity(threadIndex: 99, cpus: [0]) }
  }

  @Test func oneDNNThreadsPinThemselvesAndReadBack() throws {
    // Every OpenMP thread reads its mask back; pinning thread t to CPU t (as `compact` does) shows.
    let cpus = Array(0..<min(2, BLAS.processors))
    let before = try DNNL.pinThreads(nil, threads: cpus.count)
    #expect(before.count == cpus.count && before.allSatisfy { !$0.isEmpty })
    #expect(try DNNL.pinThreads(cpus, threads: cpus.count) == cpus.map { [$0] })
    #expect(throws: BLASAffinityError.self) { try DNNL.pinThreads([100_000], threads: 1) }
    _ = try DNNL.pinThreads(cpus, threads: cpus.count)
  }
}

@Suite("GEMM backends", .serialized)
struct GEMMBackendTests {
  /// scripts/test reruns the kernel suites with LRD_BENCH_BACKEND=blis and =onednn: they must then
  /// really run there, never fall back to OpenBLAS silently.
  @Test func theRequestedBackendIsTheOneInUse() {
    let requested = ProcessInfo.processInfo.environment["LRD_BENCH_BACKEND"]?.lowercased() ?? "openblas"
    #expect(
      BLAS.backend.rawValue == requested,
      "LRD_BENCH_BACKEND=\(requested) but kernels run on \(BLAS.backend): \(BLISLibrary.loadError ?? "") \(DNNL.loadError ?? "")"
    )
  }

  @Test("oneDNN's sgemm passes the same GEMM self-check as OpenBLAS")
  func dnnlSelfCheck() throws {
    #expect(DNNL.shared != nil, "\(DNNL.loadError ?? "")")
    let check = BLAS.selfCheck { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
      DNNL.sgemm(
        transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
        beta: beta, c: c, ldc: ldc)
    }
    #expect(check.failures.isEmpty, "\(check.failures)")
    #expect(DNNL.version.hasPrefix("2.") && !DNNL.isa.isEmpty)
  }

  @Test(
    "BLIS passes the same GEMM self-check as OpenBLAS",
    .enabled(if: BLISLibrary.shared != nil, "BLIS is installed (scripts/setup installs libblis-dev)"))
  func blisSelfCheck() throws {
    let blis = try #require(BLISLibrary.shared)
    let check = BLAS.selfCheck { ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc in
      blis.gemm(
        transposeA: ta, transposeB: tb, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
        beta: beta, c: c, ldc: ldc)
    }
    #expect(check.failures.isEmpty, "\(check.failures)")
    #expect(!blis.version.isEmpty && !blis.architecture.isEmpty)
  }

  @Test(
    "switching backends keeps results", .enabled(if: BLISLibrary.shared != nil, "BLIS is installed"))
  func switching() throws {
    let original = BLAS.backend
    defer { try? BLAS.use(original) }
    var rng = SplitMix64(seed: 9)
    let a = Tensor(normal: [37, 53], using: &rng)
    let b = Tensor(normal: [53, 29], using: &rng)
    try BLAS.use(.openblas)
    let viaOpenBLAS = BLAS.matmul(a, b)
    try BLAS.use(.blis)
    #expect(BLAS.backend == .blis && BLAS.backendDescription.hasPrefix("BLIS"))
    let viaBLIS = BLAS.matmul(a, b, transposeA: false)
    #expect(viaBLIS.relativeError(to: viaOpenBLAS) < 1e-5)
    let transposed = BLAS.matmul(BLAS.matmul(a, b), b, transposeB: true)
    try BLAS.use(.onednn)
    #expect(BLAS.backend == .onednn && BLAS.backendDescription.hasPrefix("oneDNN"))
    #expect(BLAS.matmul(a, b).relativeError(to: viaOpenBLAS) < 1e-5)
    try BLAS.use(.openblas)
    #expect(transposed.relativeError(to: BLAS.matmul(viaOpenBLAS, b, transposeB: true)) < 1e-5)
  }
}
