import CGateKernels

/// A (K, N) matrix packed by column panels of 32 columns, for products c = a W over a few rows
/// of a, split across threads by panels: the per-step recurrent product of any cell.
///
/// A cell's forward product gh = h W_hh^T is this with W = W_hh^T (K = H, N = G*H, packed by
/// `init(transposing:)`); its backward product dL/dh += dL/d(gh) W_hh is this with W = W_hh
/// (K = G*H, N = H). The packing is the one the GRU's backward steps use
/// (`gru_pack_backward_weights`), and so is the product kernel.
///
/// Legend: B rows of a and c, K rows of W, N columns.
public final class ColumnPanelledMatrix: @unchecked Sendable {
    /// K.
    public let rowCount: Int
    /// N.
    public let columnCount: Int
    /// The number of 32-column panels, ceil(N / 32).
    public let panelCount: Int
    private let packed: AlignedFloats  // (panels, K, 32)

    /// Columns per panel.
    public static let panelWidth = Int(GRU_BACKWARD_PANEL_UNITS)

    /// Packs a (K, N) row-major matrix.
    public init(rows: Int, columns: Int, values: UnsafePointer<Float>) {
        rowCount = rows
        columnCount = columns
        panelCount = (columns + Self.panelWidth - 1) / Self.panelWidth
        packed = AlignedFloats(count: gru_backward_packed_count(rows, columns))
        gru_pack_backward_weights(rows, columns, values, packed.pointer)
    }

    /// Packs the transpose of a (N, K) row-major matrix, so that the product is a M^T: a cell's
    /// W_hh (G*H, H) becomes the (H, G*H) W_hh^T of its forward product.
    public convenience init(transposing matrix: UnsafePointer<Float>, rows: Int, columns: Int) {
        var transposed = [Float](repeating: 0, count: rows * columns)  // (columns, rows)
        for i in 0..<rows {
            for j in 0..<columns { transposed[j * rows + i] = matrix[i * columns + j] }
        }
        self.init(rows: columns, columns: rows, values: transposed)
    }

    /// The columns of `panels`.
    @inlinable
    public func columns(of panels: Range<Int>) -> Range<Int> {
        min(panels.lowerBound * Self.panelWidth, columnCount)..<min(panels.upperBound * Self.panelWidth, columnCount)
    }

    /// c[b, j] += sum_k a[b, k] W[k, j] for `batch` rows and the columns j of `panels`: a is
    /// (B, K) with row stride `lda`, c (B, N) with row stride N; other columns are untouched.
    @inlinable
    public func accumulateProduct(
        batch: Int, panels: Range<Int>, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>
    ) {
        gru_packed_accumulate_product(
            batch, rowCount, columnCount, panels.lowerBound, panels.upperBound, a, lda, packedPointer, c)
    }

    /// c[b, j] = sum_k a[b, k] W[k, j] (stored over c) for `batch` rows and the columns of
    /// `panels`, shapes as in `accumulateProduct`.
    @inlinable
    public func product(
        batch: Int, panels: Range<Int>, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>
    ) {
        gru_packed_product_rows(
            batch, 0, rowCount, rowCount, columnCount, panels.lowerBound, panels.upperBound, a, lda, packedPointer, c,
            true)
    }

    @usableFromInline var packedPointer: UnsafePointer<Float> { UnsafePointer(packed.pointer) }
}
