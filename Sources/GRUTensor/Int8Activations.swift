import CGateKernels

/// Room for rows of activations quantized to int8 as `Int8Rows` quantizes (stored as q + 128
/// for the VNNI product), with their scales: one per thread of a low-precision step, sized
/// once for the largest call.
///
/// Legend: R rows, K columns.
public final class Int8Activations: @unchecked Sendable {
    /// (R, stride) bytes; stride is K rounded up to 4.
    private(set) var levels: UnsafeMutablePointer<UInt8>
    /// (R) the rows' scales.
    private(set) var scales: UnsafeMutablePointer<Float>
    private var capacityBytes = 0, capacityRows = 0

    /// Empty room; `quantize` makes it large enough.
    public init() {
        levels = .allocate(capacity: 1)
        scales = .allocate(capacity: 1)
    }

    deinit {
        levels.deallocate()
        scales.deallocate()
    }

    /// Makes room for `rows` rows of `columns` values.
    public func reserve(rows: Int, columns: Int) {
        let bytes = rows * gru_int8_activation_stride(columns)
        if bytes > capacityBytes {
            levels.deallocate()
            levels = .allocate(capacity: bytes)
            capacityBytes = bytes
        }
        if rows > capacityRows {
            scales.deallocate()
            scales = .allocate(capacity: rows)
            capacityRows = rows
        }
    }

    /// Quantizes `rows` rows of `input` (row stride `inputStride`, `columns` values a row).
    func quantize(rows: Int, columns: Int, input: UnsafePointer<Float>, inputStride: Int) {
        reserve(rows: rows, columns: columns)
        gru_int8_quantize_rows(rows, columns, input, inputStride, levels, scales)
    }
}
