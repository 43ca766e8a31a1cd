import CGateKernels

/// Vectorized whole-buffer reductions (C, in CGateKernels).
public enum Reductions {
    /// sums[j] += the sum over rows of matrix[row * stride + j] for j < width, on the calling
    /// thread: a block of columns of gate gradients, such as one thread's share of a step.
    @inlinable
    public static func addColumnSums(
        rows: Int, width: Int, stride: Int, matrix: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>
    ) {
        gru_add_column_sums(rows, width, stride, matrix, sums)
    }

    /// Whether every value is finite (neither NaN nor infinite).
    @inlinable
    public static func allFinite(_ values: UnsafeBufferPointer<Float>) -> Bool {
        guard let base = values.baseAddress else { return true }
        return gru_all_finite(values.count, base)
    }
}
