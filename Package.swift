// swift-tools-version: 6.0
// lrd-bench: benchmarking and hardware profiling of low-rank-decomposed layers on CPUs.

import PackageDescription

let package = Package(
  name: "lrd-bench",
  products: [
    .executable(name: "lrd-bench", targets: ["lrd-bench"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-system.git", from: "1.4.0"),
    .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
  ],
  targets: [
    // C libraries from Debian, one systemLibrary each; every one is imported by exactly one Swift module.
    .systemLibrary(
      name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CLAPACKE", pkgConfig: "lapacke", providers: [.apt(["liblapacke-dev"])]),
    .systemLibrary(
      name: "CHwloc", pkgConfig: "hwloc", providers: [.apt(["libhwloc-dev"])]),
    .systemLibrary(
      name: "CPAPI", pkgConfig: "papi", providers: [.apt(["libpapi-dev"])]),
    .systemLibrary(
      name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    // oneDNN 2.x (no pkg-config file in Debian's package): the third kernel backend.
    .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
    // Valgrind's callgrind client requests (header-only macros; no-ops outside valgrind).
    .systemLibrary(name: "CCallgrind", providers: [.apt(["valgrind"])]),
    // Linux perf_event_open(2): kernel headers only, no library.
    .systemLibrary(name: "CPerfEvent"),
    // A malloc interposer: counts the process's heap allocations (timed regions, GEMM probes, tests).
    .target(name: "CAllocationCounter"),
    // lrd-bench's worker pool: persistent pinned threads, one fork-join per parallel region (pthreads, futex).
    .target(name: "CWorkerPool"),

    // Swift modules, split along dependency lines (README "Layout" draws the graph).
    .target(name: "Support"),
    .target(name: "Geometry"),
    .target(
      name: "Tensors",
      dependencies: ["Geometry", "CBLAS", "CLAPACKE", "CDNNL", "CAllocationCounter", "CWorkerPool"]),
    .target(name: "Kernels", dependencies: ["Tensors", "Geometry"]),
    .target(name: "Networks", dependencies: ["Geometry", "Support"]),
    .target(name: "Decomposition", dependencies: ["Tensors", "Networks", "Geometry"]),
    .target(
      name: "Programs",
      dependencies: ["Tensors", "Geometry", "Support", "Kernels", "Networks", "Decomposition"]),
    .target(
      name: "Profiling",
      dependencies: [
        "Tensors", "Geometry", "Support", "CHwloc", "CPAPI", "CPerfEvent", "CAllocationCounter", "CCallgrind",
        .product(name: "OrderedCollections", package: "swift-collections"),
      ]),
    .target(
      name: "Results", dependencies: ["Support", .product(name: "SystemPackage", package: "swift-system")]),
    .target(name: "Store", dependencies: ["CSQLite"]),
    .target(
      name: "Harness",
      dependencies: [
        "Tensors", "Geometry", "Support", "Kernels", "Networks", "Decomposition", "Programs", "Profiling",
        "Results",
        .product(name: "OrderedCollections", package: "swift-collections"),
      ]),
    .target(
      name: "Suites",
      dependencies: [
        "Harness", "Programs", "Profiling", "Networks", "Decomposition", "Results", "Store", "Support",
        "Tensors",
        .product(name: "Yams", package: "Yams"),
      ]),
    .target(
      name: "Reports",
      dependencies: [
        "Harness", "Programs", "Profiling", "Networks", "Decomposition", "Results", "Store", "Suites",
        "Tensors",
      ]),
    .executableTarget(
      name: "lrd-bench",
      dependencies: [
        "Support", "Tensors", "Geometry", "Kernels", "Networks", "Decomposition", "Programs", "Profiling",
        "Results", "Harness", "Store", "Suites",
        "Reports",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // Tests: one target per module.
    .testTarget(name: "SupportTests", dependencies: ["Support"]),
    .testTarget(name: "GeometryTests", dependencies: ["Geometry"]),
    .testTarget(name: "TensorsTests", dependencies: ["Tensors", "CAllocationCounter"]),
    .testTarget(
      name: "KernelsTests", dependencies: ["Kernels", "Geometry", "Tensors", "CAllocationCounter"]),
    .testTarget(name: "NetworksTests", dependencies: ["Networks", "Geometry"]),
    .testTarget(
      name: "DecompositionTests",
      dependencies: ["Decomposition", "Geometry", "Kernels", "Tensors", "Networks"]),
    .testTarget(
      name: "ProgramsTests",
      dependencies: ["Programs", "Decomposition", "Networks", "Kernels", "Tensors", "CAllocationCounter"]),
    .testTarget(name: "ProfilingTests", dependencies: ["Profiling", "Tensors", "Geometry"]),
    .testTarget(name: "ResultsTests", dependencies: ["Results"]),
    .testTarget(name: "StoreTests", dependencies: ["Store"]),
    .testTarget(
      name: "SuitesTests",
      dependencies: ["Suites", "Store", "Harness", "Profiling", "Programs", "Decomposition"]),
    .testTarget(
      name: "HarnessTests",
      dependencies: [
        "Harness", "Programs", "Profiling", "Networks", "Decomposition", "Results", "Tensors",
        "CAllocationCounter",
      ]),
    .testTarget(
      name: "ReportsTests",
      dependencies: [
        "Reports", "Harness", "Profiling", "Programs", "Decomposition", "Results", "Store", "Suites",
        "Tensors",
      ],
      exclude: ["Fixtures", "Golden"]),
    .testTarget(
      name: "LRDBenchTests",
      dependencies: ["lrd-bench", "Results", "Harness", "Programs", "Store", "Suites", "Tensors"]),
  ],
  swiftLanguageModes: [.v6]
)
