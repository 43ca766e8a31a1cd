// swift-tools-version: 6.0
import PackageDescription

// libFuzzer targets over GRUKit's readers of untrusted files; built and run by run.sh, not by
// the main package's `swift test`.
let package = Package(
    name: "GRUKitFuzz",
    dependencies: [.package(name: "GRUKit", path: "../..")],
    targets: [
        .executableTarget(
            name: "Fuzz",
            dependencies: [.product(name: "GRUKit", package: "GRUKit")],
            // libFuzzer supplies the entry point through LLVMFuzzerRunDriver (see Fuzz.swift).
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
