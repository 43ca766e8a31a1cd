import Testing

// `swift test` 6.3.1 filters by name only (`--filter tag:unit` selects nothing), so a suite's type
// name also says its tier: it ends in `ReferenceTests` or `EndToEndTests` for those tiers and in
// plain `Tests` for the unit tier (README.md, "Tests and reference data", gives the commands).

/// The tiers of the test suite; every suite carries exactly one.
extension Tag {
    /// Checks of one piece of the library against the math, a naive twin or an invariance.
    @Tag public static var unit: Self
    /// Comparisons with committed fixtures made by another implementation (PyTorch, onnxruntime,
    /// NumPy, safetensors), the generating script named in the suite.
    @Tag public static var reference: Self
    /// Runs of the built `gru` executable or of a whole training job.
    @Tag public static var endToEnd: Self
}
