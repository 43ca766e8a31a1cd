import Testing

/// The tiers of the test suite; every suite carries exactly one, so that one tier can be run alone
/// (README.md, "Tests", says how).
extension Tag {
    /// Checks of one piece of the library against the math, a naive twin or an invariance.
    @Tag public static var unit: Self
    /// Comparisons with committed fixtures made by another implementation (PyTorch, onnxruntime,
    /// Keras, NumPy) with the script that generated them named in the test.
    @Tag public static var reference: Self
    /// Runs of the built `gru` executable or of a whole training job.
    @Tag public static var endToEnd: Self
}
