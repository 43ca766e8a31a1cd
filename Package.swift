// swift-tools-version: 6.0
import PackageDescription

// MARK: - Targets, one per layer of the design
// CGateKernels <- GRUTensor <- GRUFormats, GRUNetworks <- GRUTraining <- GRUWorkflows; GRUNetworks <- GRUBenchmarking;
// all of them <- GRUKit (the umbrella, re-exports only) <- gru. BLAS comes from OpenBLAS on Linux (the CBLAS
// system-library target) and from Accelerate on Apple platforms.

let blas: Target.Dependency = .target(name: "CBLAS", condition: .when(platforms: [.linux]))

let package = Package(
    name: "GRUKit",
    products: [
        .library(name: "GRUKit", targets: ["GRUKit"]),
        .executable(name: "gru", targets: ["gru"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: C shim
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // Vectorized gate kernels in C, compiled for several instruction sets (see the .c file).
        .target(name: "CGateKernels"),

        // MARK: Libraries
        .target(name: "GRUTensor", dependencies: [blas, "CGateKernels"]),
        .target(name: "GRUFormats", dependencies: ["GRUTensor"]),
        .target(name: "GRUNetworks", dependencies: ["GRUTensor"]),
        .target(name: "GRUTraining", dependencies: ["GRUTensor", "GRUFormats", "GRUNetworks"]),
        // Training, evaluation, prediction and generation jobs over files; the settings of a run.
        .target(name: "GRUWorkflows", dependencies: ["GRUTensor", "GRUFormats", "GRUNetworks", "GRUTraining"]),
        // The benchmark cases and their measurement, for `gru bench`.
        .target(name: "GRUBenchmarking", dependencies: ["GRUTensor", "GRUNetworks"]),
        // MARK: Umbrella
        .target(
            name: "GRUKit",
            dependencies: ["GRUTensor", "GRUFormats", "GRUNetworks", "GRUTraining", "GRUWorkflows", "GRUBenchmarking"]),

        // MARK: Command line
        .executableTarget(
            name: "gru",
            dependencies: [
                "GRUKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests
        .testTarget(name: "GRUTensorTests", dependencies: ["GRUTensor"]),
        .testTarget(name: "GRUFormatsTests", dependencies: ["GRUFormats"]),
        // Reference fixtures live in Tests/Fixtures and are found through #filePath.
        .testTarget(name: "GRUNetworksTests", dependencies: ["GRUNetworks", "GRUFormats"]),
        .testTarget(name: "GRUTrainingTests", dependencies: ["GRUTraining"]),
        .testTarget(name: "GRUWorkflowsTests", dependencies: ["GRUWorkflows"]),
        .testTarget(name: "GRUBenchmarkingTests", dependencies: ["GRUBenchmarking"]),
        // Runs the built `gru` executable; depending on it makes `swift test` build it.
        .testTarget(name: "gruTests", dependencies: ["GRUKit", "gru"]),
    ]
)
