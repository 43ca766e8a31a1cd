import CGateKernels

/// Vectorized whole-buffer reductions (C, in CGateKernels).
public enum Reductions {
    /// sums[j] += the sum over rows of matrix[row * width + j]: bias gradients from a
    /// (rows, width) buffer of gate gradients. `sums` must not overlap `matrix`.
    ///
    /// A large matrix is split by columns across the thread team (each column still summed
    /// in row order, so the result does not depend on the split): one core alone would leave
    /// the other idle long enough to fall asleep before the products that follow.
    public static func addColumnSums(
        rows: Int, width: Int, matrix: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>
    ) {
        let groups = width / 16  // threads take whole vectors of columns
        let parts = rows * width >= 1 << 18 && groups >= 2 * ThreadTeam.defaultParts ? ThreadTeam.defaultParts : 1
        ThreadTeam.run(parts: parts) { part, parts in
            let share = ThreadTeam.share(of: groups, part: part, parts: parts)
            let first = share.lowerBound * 16, end = part == parts - 1 ? width : share.upperBound * 16
            gru_add_column_sums(rows, end - first, width, matrix + first, sums + first)
        }
    }

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
