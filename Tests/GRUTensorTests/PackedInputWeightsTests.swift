import GRUTensor
import GRUTestSupport
import Testing

/// The per-panel input projection on packed W_ih against `Matmul.naiveGemm`: whole and
/// partial panels, every row-block remainder (blocks of 8 rows; one to three rows with split
/// sums), input sizes with and without a remainder of those chains, a row stride wider than
/// the input, panel ranges taken in either order, and the columns of other panels untouched.
@Suite(.tags(.unit))
struct PackedInputWeightsTests {
    static let sizes: [(rows: Int, input: Int, hidden: Int)] = [
        (1, 1, 5), (1, 4, 16), (2, 7, 40), (3, 64, 33), (9, 13, 128), (17, 130, 20), (8, 5, 48),
    ]

    @Test(arguments: sizes)
    func projectionMatchesNaiveTwin(size: (rows: Int, input: Int, hidden: Int)) {
        let (rows, inputSize, hidden) = size
        let stride = inputSize + 2, width = 3 * hidden
        var generator = SeededGenerator(seed: UInt64(17 * inputSize + hidden + 1000 * rows))
        let weight = (0..<(width * inputSize)).map { _ in generator.uniform(-0.5, 0.5) }
        let x = (0..<(rows * stride)).map { _ in generator.uniform(-1, 1) }
        var naive = [Float](repeating: 0, count: rows * width)
        Matmul.naiveGemm(
            transposeA: false, transposeB: true, m: rows, n: width, k: inputSize,
            a: x, lda: stride, b: weight, ldb: inputSize, beta: 0, c: &naive, ldc: width)

        let packed = PackedInputWeights(inputSize: inputSize, hidden: hidden, inputWeight: weight)
        let panelCount = (hidden + 15) / 16
        for descending in [false, true] {
            var projection = [Float](repeating: 9, count: rows * width)
            let order = descending ? Array((0..<panelCount).reversed()) : Array(0..<panelCount)
            for p in order {
                packed.project(rows: rows, panels: p..<(p + 1), input: x, inputStride: stride, into: &projection)
            }
            expectApproximatelyEqual(
                projection, naive,
                absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "one panel at a time, descending \(descending)")
        }

        // Only the given panels' columns are written.
        var projection = [Float](repeating: 9, count: rows * width)
        packed.project(rows: rows, panels: 0..<1, input: x, inputStride: stride, into: &projection)
        for row in 0..<rows {
            for gate in 0..<3 {
                for unit in 0..<hidden {
                    let index = row * width + gate * hidden + unit
                    if unit < 16 {
                        expectApproximatelyEqual(
                            projection[index], naive[index], absoluteTolerance: 1e-5, relativeTolerance: 1e-5,
                            "column \(index)")
                    } else {
                        #expect(projection[index] == 9, "column \(index) of another panel was written")
                    }
                }
            }
        }
    }
}
