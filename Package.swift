// swift-tools-version: 6.0
import Foundation
import PackageDescription

// MARK: - Targets, one per layer of the design
// CGateKernels <- GRUTensor <- GRUFormats <- GRUNetworks <- GRUTraining <- GRUWorkflows; GRUNetworks <- GRUBenchmarking;
// GRUTraining <- GRUInterop (whole models in and out of ONNX and Keras); all of them <- GRUKit (the umbrella,
// re-exports only) <- gru. BLAS comes from OpenBLAS on Linux (the CBLAS system-library target) and from Accelerate on
// Apple platforms; HDF5 (Keras weights) from the system's libhdf5 everywhere (the CHDF5 target).

let blas: Target.Dependency = .target(name: "CBLAS", condition: .when(platforms: [.linux]))

// MARK: - MPI, a build option
// Data-parallel training under mpirun (GRUDistributed, on Open MPI) is built in when Open MPI's pkg-config file is
// found (Debian: libopenmpi-dev; Homebrew: open-mpi), and left out with GRUKIT_MPI=0; without it GRUKit builds and
// tests as a single-process program. `gru` and its tests see the option as the GRUKIT_MPI condition.
let environment = ProcessInfo.processInfo.environment
let buildsWithMPI: Bool = {
    guard environment["GRUKIT_MPI"] != "0" else { return false }
    let searched =
        (environment["PKG_CONFIG_PATH"] ?? "").split(separator: ":").map(String.init) + [
            "/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/aarch64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig",
            "/usr/local/lib/pkgconfig", "/opt/homebrew/lib/pkgconfig", "/usr/share/pkgconfig",
        ]
    return searched.contains { FileManager.default.fileExists(atPath: $0 + "/ompi-c.pc") }
}()
let mpiTargets: [Target] =
    buildsWithMPI
    ? [
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]),
        // The MPI_COMM_WORLD process group that Trainer sums gradients over.
        .target(name: "GRUDistributed", dependencies: ["CMPI", "GRUTraining"]),
    ] : []
let mpiDependencies: [Target.Dependency] = buildsWithMPI ? ["GRUDistributed"] : []
let mpiCondition: [SwiftSetting] = buildsWithMPI ? [.define("GRUKIT_MPI")] : []

let package = Package(
    name: "GRUKit",
    products: [
        .library(name: "GRUKit", targets: ["GRUKit"]),
        .executable(name: "gru", targets: ["gru"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Tests only: `isApproximatelyEqual(to:absoluteTolerance:relativeTolerance:)` for GRUTestSupport.
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        // ONNX files: the runtime for the code generated once from onnx.proto (Sources/GRUFormats/ONNX).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.28.0"),
        // .keras archives: a zip of config.json, metadata.json and model.weights.h5.
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // MARK: C shim
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]
        ),

        // Vectorized gate kernels in C, compiled for several instruction sets (see the .c file).
        .target(name: "CGateKernels"),

        // MARK: Libraries
        .target(name: "GRUTensor", dependencies: [blas, "CGateKernels"]),
        .target(
            name: "GRUFormats",
            dependencies: [
                "GRUTensor", "CHDF5", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        // GRUFormats for Interop/ONNXGRU.swift, which maps GRU nodes of an ONNXModel.
        .target(name: "GRUNetworks", dependencies: ["GRUTensor", "GRUFormats"]),
        .target(name: "GRUTraining", dependencies: ["GRUTensor", "GRUFormats", "GRUNetworks"]),
        // Training, evaluation, prediction and generation jobs over files; the settings of a run.
        .target(name: "GRUWorkflows", dependencies: ["GRUTensor", "GRUFormats", "GRUNetworks", "GRUTraining"]),
        // Whole model directories in and out of ONNX graphs and Keras archives (`gru export`, `gru import`).
        .target(name: "GRUInterop", dependencies: ["GRUTensor", "GRUFormats", "GRUNetworks", "GRUTraining"]),
        // The benchmark cases and their measurement, for `gru bench`.
        .target(name: "GRUBenchmarking", dependencies: ["GRUTensor", "GRUNetworks"]),
        // MARK: Umbrella
        .target(
            name: "GRUKit",
            dependencies: [
                "GRUTensor", "GRUFormats", "GRUNetworks", "GRUTraining", "GRUWorkflows", "GRUInterop", "GRUBenchmarking",
            ]),

        // MARK: Command line
        .executableTarget(
            name: "gru",
            dependencies: [
                "GRUKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ] + mpiDependencies,
            swiftSettings: mpiCondition
        ),

        // MARK: Tests
        // What every test target shares: the one numeric comparison and the tier tags.
        .target(
            name: "GRUTestSupport",
            dependencies: ["GRUTensor", .product(name: "RealModule", package: "swift-numerics")],
            path: "Tests/GRUTestSupport"
        ),
        .testTarget(name: "GRUTensorTests", dependencies: ["GRUTensor", "GRUTestSupport"]),
        .testTarget(name: "GRUFormatsTests", dependencies: ["GRUFormats", "GRUTestSupport"]),
        // Reference fixtures live in Tests/Fixtures and are found through #filePath.
        .testTarget(name: "GRUNetworksTests", dependencies: ["GRUNetworks", "GRUFormats", "GRUTestSupport"]),
        .testTarget(name: "GRUTrainingTests", dependencies: ["GRUTraining", "GRUTestSupport"]),
        .testTarget(name: "GRUWorkflowsTests", dependencies: ["GRUWorkflows", "GRUTestSupport"]),
        .testTarget(name: "GRUInteropTests", dependencies: ["GRUInterop", "GRUTestSupport"]),
        .testTarget(name: "GRUBenchmarkingTests", dependencies: ["GRUBenchmarking", "GRUTestSupport"]),
        // Runs the built `gru` executable; depending on it makes `swift test` build it.
        .testTarget(name: "gruTests", dependencies: ["GRUKit", "gru", "GRUTestSupport"], swiftSettings: mpiCondition),
    ] + mpiTargets
)
