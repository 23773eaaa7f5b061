// swift-tools-version: 6.0
// lrd-bench: benchmarking and hardware profiling of low-rank-decomposed layers on CPUs.

import PackageDescription

let package = Package(
  name: "lrd-bench",
  products: [
    .executable(name: "lrd-bench", targets: ["lrd-bench"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0")
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
    // Linux perf_event_open(2): kernel headers only, no library.
    .systemLibrary(name: "CPerfEvent"),
    // A malloc interposer: counts the process's heap allocations (timed regions, GEMM probes, tests).
    .target(name: "CAllocationCounter"),

    // Swift modules, split along dependency lines.
    .target(name: "Geometry"),
    .target(name: "Tensors", dependencies: ["CBLAS", "CLAPACKE", "CAllocationCounter"]),
    .target(name: "Kernels", dependencies: ["Tensors", "Geometry"]),
    .target(name: "Networks", dependencies: ["Geometry"]),
    .target(name: "Decomposition", dependencies: ["Tensors", "Networks", "Geometry"]),
    .target(
      name: "Profiling", dependencies: ["Tensors", "CHwloc", "CPAPI", "CPerfEvent", "CAllocationCounter"]),
    .target(
      name: "Harness",
      dependencies: ["Tensors", "Geometry", "Kernels", "Networks", "Decomposition", "Profiling"]),
    .target(name: "Reports", dependencies: ["Harness", "Profiling", "Networks", "Tensors"]),
    .executableTarget(
      name: "lrd-bench",
      dependencies: [
        "Tensors", "Kernels", "Networks", "Decomposition", "Profiling", "Harness", "Reports",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),

    // Tests: one target per module.
    .testTarget(name: "GeometryTests", dependencies: ["Geometry"]),
    .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
    .testTarget(
      name: "KernelsTests", dependencies: ["Kernels", "Geometry", "Tensors", "CAllocationCounter"]),
    .testTarget(name: "NetworksTests", dependencies: ["Networks"]),
    .testTarget(
      name: "DecompositionTests",
      dependencies: ["Decomposition", "Geometry", "Kernels", "Tensors", "Networks"]),
    .testTarget(name: "ProfilingTests", dependencies: ["Profiling", "Tensors"]),
    .testTarget(
      name: "HarnessTests",
      dependencies: ["Harness", "Profiling", "Networks", "Decomposition", "CAllocationCounter"]),
    .testTarget(
      name: "ReportsTests", dependencies: ["Reports", "Harness", "Profiling"],
      exclude: ["Fixtures", "Golden"]),
    .testTarget(name: "LRDBenchTests", dependencies: ["lrd-bench"]),
  ],
  swiftLanguageModes: [.v6]
)
