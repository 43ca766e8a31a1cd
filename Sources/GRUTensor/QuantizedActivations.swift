import CGateKernels

/// Room for rows of activations in a low-precision product's form: quantized to int8 as
/// `Int8Rows` quantizes (stored as q + 128 for the VNNI product) with their scales, or rounded
/// to bf16 operands once per row and product. One per thread of a low-precision step, sized
/// once for the largest call.
///
/// Legend: R rows, K columns.
public final class QuantizedActivations: @unchecked Sendable {
    // The buffers are touched a few times every streaming step and never shared across
    // threads (one instance per thread), so they skip Swift's run-time exclusivity checks.

    /// (R, K rounded up to 4) bytes.
    @exclusivity(unchecked) private(set) var levels: UnsafeMutablePointer<UInt8>
    /// (R) the int8 rows' scales.
    @exclusivity(unchecked) private(set) var scales: UnsafeMutablePointer<Float>
    /// (R, K rounded up to 2) bf16 operands.
    @exclusivity(unchecked) private(set) var bf16Values: UnsafeMutablePointer<UInt16>
    @exclusivity(unchecked) private var capacityBytes = 0
    @exclusivity(unchecked) private var capacityRows = 0
    @exclusivity(unchecked) private var capacityValues = 0

    /// Empty room; `quantize` and `roundToBF16` make it large enough.
    public init() {
        levels = .allocate(capacity: 1)
        scales = .allocate(capacity: 1)
        bf16Values = .allocate(capacity: 1)
    }

    deinit {
        levels.deallocate()
        scales.deallocate()
        bf16Values.deallocate()
    }

    /// Makes room for `rows` rows of `columns` values in either form.
    public func reserve(rows: Int, columns: Int) {
        reserveInt8(rows: rows, columns: columns)
        reserveBF16(rows: rows, columns: columns)
    }

    private func reserveInt8(rows: Int, columns: Int) {
        Self.grow(&levels, &capacityBytes, to: rows * gru_int8_activation_stride(columns))
        Self.grow(&scales, &capacityRows, to: rows)
    }

    private func reserveBF16(rows: Int, columns: Int) {
        Self.grow(&bf16Values, &capacityValues, to: rows * gru_bf16_activation_stride(columns))
    }

    /// Replaces `buffer` by a larger one where `count` exceeds its `capacity`.
    private static func grow<Element>(
        _ buffer: inout UnsafeMutablePointer<Element>, _ capacity: inout Int, to count: Int
    ) {
        guard count > capacity else { return }
        buffer.deallocate()
        buffer = .allocate(capacity: count)
        capacity = count
    }

    /// Quantizes `rows` rows of `input` (row stride `inputStride`, `columns` values a row).
    func quantize(rows: Int, columns: Int, input: UnsafePointer<Float>, inputStride: Int) {
        reserveInt8(rows: rows, columns: columns)
        gru_int8_quantize_rows(rows, columns, input, inputStride, levels, scales)
    }

    /// Rounds `rows` rows of `input` (row stride `inputStride`) to bf16 operands.
    func roundToBF16(rows: Int, columns: Int, input: UnsafePointer<Float>, inputStride: Int) {
        reserveBF16(rows: rows, columns: columns)
        gru_bf16_round_rows(rows, columns, input, inputStride, bf16Values)
    }
}
