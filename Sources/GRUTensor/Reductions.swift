import CGateKernels

/// Vectorized whole-buffer reductions (C, in CGateKernels).
public enum Reductions {
    /// sums[j] += the sum over rows of matrix[row * width + j]: bias gradients from a
    /// (rows, width) buffer of gate gradients. `sums` must not overlap `matrix`.
    @inlinable
    public static func addColumnSums(
        rows: Int, width: Int, matrix: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>
    ) {
        gru_add_column_sums(rows, width, matrix, sums)
    }

    /// Whether every value is finite (neither NaN nor infinite).
    @inlinable
    public static func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
        guard let base = values.baseAddress else { return true }
        return gru_all_finite(values.count, base)
    }
}
