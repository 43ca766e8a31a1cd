import GRUTensor
import GRUTestSupport
import Testing

/// The column-panelled product against `Matmul.naiveGemm`: whole and partial panels, every
/// row-block remainder, the transposing packing, accumulation against overwriting, and the
/// columns of other panels untouched.
@Suite(.tags(.unit))
struct ColumnPanelledMatrixTests {
    static let sizes: [(batch: Int, rows: Int, columns: Int)] = [
        (1, 1, 5), (1, 16, 32), (2, 7, 40), (3, 33, 64), (9, 13, 128), (17, 20, 130),
    ]

    @Test(arguments: sizes)
    func productsMatchNaiveTwin(size: (batch: Int, rows: Int, columns: Int)) {
        let (batch, rows, columns) = size
        let lda = rows + 3
        var generator = SeededGenerator(seed: UInt64(31 * rows + columns + 1000 * batch))
        let w = (0..<(rows * columns)).map { _ in generator.uniform(-0.5, 0.5) }  // (K, N)
        let a = (0..<(batch * lda)).map { _ in generator.uniform(-1, 1) }
        let start = (0..<(batch * columns)).map { _ in generator.uniform(-1, 1) }
        var expectedSum = start
        Matmul.naiveGemm(
            transposeA: false, transposeB: false, m: batch, n: columns, k: rows,
            a: a, lda: lda, b: w, ldb: columns, beta: 1, c: &expectedSum, ldc: columns)
        var expectedProduct = start
        Matmul.naiveGemm(
            transposeA: false, transposeB: false, m: batch, n: columns, k: rows,
            a: a, lda: lda, b: w, ldb: columns, beta: 0, c: &expectedProduct, ldc: columns)
        // The same W given as its (N, K) transpose.
        var transposed = [Float](repeating: 0, count: rows * columns)
        for k in 0..<rows {
            for j in 0..<columns { transposed[j * rows + k] = w[k * columns + j] }
        }
        for matrix in [
            ColumnPanelledMatrix(rows: rows, columns: columns, values: w),
            ColumnPanelledMatrix(transposing: transposed, rows: columns, columns: rows),
        ] {
            #expect(matrix.rowCount == rows && matrix.columnCount == columns)
            var sum = start, product = start
            for p in (0..<matrix.panelCount).reversed() {
                matrix.accumulateProduct(batch: batch, panels: p..<(p + 1), a: a, lda: lda, into: &sum)
                matrix.product(batch: batch, panels: p..<(p + 1), a: a, lda: lda, into: &product)
            }
            expectApproximatelyEqual(sum, expectedSum, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "accumulated")
            expectApproximatelyEqual(
                product, expectedProduct, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "overwritten")

            // Only the first panel's columns are written.
            var partial = start
            matrix.product(batch: batch, panels: 0..<1, a: a, lda: lda, into: &partial)
            let written = matrix.columns(of: 0..<1)
            for row in 0..<batch {
                for column in 0..<columns where !written.contains(column) {
                    #expect(partial[row * columns + column] == start[row * columns + column], "column \(column)")
                }
            }
        }
    }
}
