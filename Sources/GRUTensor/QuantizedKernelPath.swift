import CGateKernels

/// A version of a low-precision product (`QuantizedPanels`), by the instructions it is written
/// with. The products run the best one the processor has unless the environment variable
/// `GRUKIT_INT8_PATH` (vnni, avx2, portable) or `GRUKIT_BF16_PATH` (avx512bf16, portable)
/// names another it has; every version computes the same numbers.
public enum QuantizedKernelPath: CaseIterable, Sendable {
    /// int8: AVX512-VNNI; bf16: AVX512-BF16.
    case avx512
    /// int8 only: AVX2, vpmaddwd on int16.
    case avx2
    /// clang's vectors, built for AVX-512, AVX2 and baseline x86-64.
    case portable

    init(_ path: gru_quantized_path) {
        switch path {
        case GRU_QUANTIZED_PATH_AVX512: self = .avx512
        case GRU_QUANTIZED_PATH_AVX2: self = .avx2
        default: self = .portable
        }
    }

    var cValue: gru_quantized_path {
        switch self {
        case .avx512: GRU_QUANTIZED_PATH_AVX512
        case .avx2: GRU_QUANTIZED_PATH_AVX2
        case .portable: GRU_QUANTIZED_PATH_PORTABLE
        }
    }

    /// The version the products of `precision` (bf16 or int8) run.
    public static func running(_ precision: InferencePrecision) -> QuantizedKernelPath {
        precondition(precision != .float32, "float32 has no quantized product")
        return QuantizedKernelPath(precision == .int8 ? gru_int8_path() : gru_bf16_path())
    }

    /// The versions of `precision`'s product this build and processor have.
    public static func available(_ precision: InferencePrecision) -> [QuantizedKernelPath] {
        allCases.filter {
            precision == .int8 ? gru_int8_path_available($0.cValue) : gru_bf16_path_available($0.cValue)
        }
    }

    /// Runs `body` with `path` for `precision`'s products on this thread, then goes back to the
    /// default; `path` must be available. For tests: products on other threads (a session's
    /// thread team) keep the default.
    package static func with<Result>(
        _ path: QuantizedKernelPath, for precision: InferencePrecision, _ body: () throws -> Result
    ) rethrows -> Result {
        let set = precision == .int8 ? gru_int8_set_path : gru_bf16_set_path
        precondition(set(path.cValue), "\(precision) has no \(path) version here")
        defer { _ = set(GRU_QUANTIZED_PATH_AUTO) }
        return try body()
    }
}
