/// A matrix quantized to int8 by rows, symmetric: per row, scale = max|x| / 127 and
/// q = clamp(round(x * 127 / max|x|), -127, 127), ties to even (a zero row: scale 0, q 0).
/// The weights of `QuantizedPanels` and of a quantized model file.
///
/// Legend: R rows, C columns.
public struct Int8Rows: Sendable, Equatable {
    /// R.
    public let rows: Int
    /// C.
    public let columns: Int
    /// (R, C) q, row-major.
    public let values: [Int8]
    /// (R) the scales: a row's values are q * scale.
    public let scales: [Float]

    /// Quantizes (R, C) row-major floats.
    public init(quantizing matrix: UnsafePointer<Float>, rows: Int, columns: Int) {
        var values = [Int8](repeating: 0, count: rows * columns)
        var scales = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            let scale = Self.quantize(
                matrix + row * columns, count: columns
            ) { k, level in values[row * columns + k] = Int8(level) }
            scales[row] = scale
        }
        self.init(rows: rows, columns: columns, values: values, scales: scales)
    }

    /// Values and scales as they are (a file's); `values.count == rows * columns`,
    /// `scales.count == rows`.
    public init(rows: Int, columns: Int, values: [Int8], scales: [Float]) {
        precondition(values.count == rows * columns && scales.count == rows, "int8 rows of the wrong size")
        self.rows = rows
        self.columns = columns
        self.values = values
        self.scales = scales
    }

    /// The floats q * scale, (R, C) row-major.
    public func dequantized() -> [Float] {
        (0..<(rows * columns)).map { Float(values[$0]) * scales[$0 / columns] }
    }

    /// One row's quantization: hands each level (in -127...127) to `store` and returns the
    /// scale. `QuantizedActivations` and `NaiveQuantizedKernels` quantize rows the same way.
    @inline(__always)
    static func quantize(_ row: UnsafePointer<Float>, count: Int, store: (Int, Int32) -> Void) -> Float {
        var largest: Float = 0
        for k in 0..<count { largest = max(largest, abs(row[k])) }
        let inverse: Float = largest > 0 ? 127 / largest : 0
        for k in 0..<count {
            let level = min(max((row[k] * inverse).rounded(.toNearestOrEven), -127), 127)
            store(k, Int32(level))
        }
        return largest / 127
    }
}
