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
    // The ONNX reader's runtime only; Sources/ONNX/Generated/onnx.pb.swift was generated once (see its header).
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
  ],
  targets: [
    // C libraries from Debian, one systemLibrary each (module.modulemap + shim.h under Sources/C*).
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
    .target(name: "Statistics", dependencies: ["Support"]),
    .target(name: "Geometry", dependencies: ["Support"]),
    .target(
      name: "Tensors",
      dependencies: ["Support", "CAllocationCounter", "CBLAS", "CDNNL", "CLAPACKE", "CWorkerPool"]),
    .target(name: "Kernels", dependencies: ["Geometry", "Support", "Tensors", "CDNNL"]),
    .target(name: "Networks", dependencies: ["Geometry", "Support"]),
    .target(name: "Decomposition", dependencies: ["Geometry", "Networks", "Support", "Tensors"]),
    .target(
      name: "Programs",
      dependencies: ["Decomposition", "Geometry", "Kernels", "Networks", "Support", "Tensors"]),
    .target(
      name: "Machine",
      dependencies: [
        "Support", "Tensors", "CHwloc", "CPAPI", "CPerfEvent",
        .product(name: "OrderedCollections", package: "swift-collections"),
      ]),
    .target(
      name: "Profiling",
      dependencies: [
        "Machine", "Statistics", "Support", "Tensors", "CAllocationCounter", "CCallgrind", "CHwloc",
      ]),
    .target(
      name: "Results", dependencies: ["Support", .product(name: "SystemPackage", package: "swift-system")]),
    .target(name: "Store", dependencies: ["Support", "CSQLite"]),
    .target(
      name: "ONNX",
      dependencies: [
        "Decomposition", "Geometry", "Networks", "Programs", "Support", "Tensors",
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ]),
    .target(
      name: "Harness",
      dependencies: [
        "Decomposition", "Kernels", "Machine", "Networks", "ONNX", "Profiling", "Programs", "Results",
        "Statistics",
        "Support", "Tensors", .product(name: "OrderedCollections", package: "swift-collections"),
      ]),
    .target(
      name: "Suites",
      dependencies: [
        "Decomposition", "Harness", "Machine", "Networks", "Profiling", "Programs", "Results", "Statistics",
        "Store", "Support", .product(name: "Yams", package: "Yams"),
      ]),
    .target(
      name: "Reports",
      dependencies: [
        "Harness", "Machine", "Networks", "ONNX", "Profiling", "Programs", "Results", "Statistics", "Store",
        "Suites", "Support", "Tensors",
      ]),
    .executableTarget(
      name: "lrd-bench",
      dependencies: [
        "Decomposition", "Harness", "Machine", "Networks", "ONNX", "Profiling", "Programs", "Reports",
        "Results",
        "Statistics", "Store", "Suites", "Support", "Tensors",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // Tests: one target per module.
    .testTarget(name: "SupportTests", dependencies: ["Support"]),
    .testTarget(
      name: "ONNXTests",
      dependencies: ["Decomposition", "Harness", "Networks", "ONNX", "Programs", "Tensors"],
      exclude: ["Fixtures"]
    ),
    .testTarget(name: "GeometryTests", dependencies: ["Geometry"]),
    .testTarget(name: "TensorsTests", dependencies: ["Support", "Tensors", "CAllocationCounter"]),
    .testTarget(
      name: "KernelsTests", dependencies: ["Geometry", "Kernels", "Support", "Tensors", "CAllocationCounter"]),
    .testTarget(name: "NetworksTests", dependencies: ["Networks"]),
    .testTarget(
      name: "DecompositionTests",
      dependencies: ["Decomposition", "Kernels", "Networks", "Support", "Tensors"]),
    .testTarget(
      name: "ProgramsTests",
      dependencies: ["Decomposition", "Kernels", "Networks", "Programs", "Tensors", "CAllocationCounter"]),
    .testTarget(name: "StatisticsTests", dependencies: ["Statistics", "Support"]),
    .testTarget(name: "MachineTests", dependencies: ["Machine", "Tensors"]),
    .testTarget(name: "ProfilingTests", dependencies: ["Machine", "Profiling", "Statistics"]),
    .testTarget(
      name: "ResultsTests",
      dependencies: ["Results", .product(name: "SystemPackage", package: "swift-system")]),
    .testTarget(name: "StoreTests", dependencies: ["Store"]),
    .testTarget(
      name: "SuitesTests", dependencies: ["Harness", "Machine", "Profiling", "Statistics", "Store", "Suites"]),
    .testTarget(
      name: "HarnessTests",
      dependencies: [
        "Decomposition", "Harness", "Machine", "Networks", "Profiling", "Programs", "Results", "Statistics",
        "Support", "Tensors", "CAllocationCounter",
      ]),
    .testTarget(
      name: "ReportsTests",
      dependencies: [
        "Harness", "Machine", "Networks", "Profiling", "Programs", "Reports", "Results", "Store", "Tensors",
      ],
      exclude: ["Fixtures", "Golden"]),
    .testTarget(
      name: "LRDBenchTests",
      dependencies: [
        "Decomposition", "Harness", "Networks", "ONNX", "Programs", "Results", "Store", "Support", "Tensors",
        "lrd-bench",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
  ],
  swiftLanguageModes: [.v6]
)
