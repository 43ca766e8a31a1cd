import GRUTensor
import Testing

/// The streaming input projection on packed W_ih against `Matmul.naiveGemm`: whole and
/// partial panels, input sizes with and without a remainder of the four k chains, panel
/// ranges taken in either order, and the columns of other panels left untouched.
struct PackedInputWeightsTests {
    static let sizes: [(input: Int, hidden: Int)] = [(1, 5), (4, 16), (7, 40), (64, 33), (130, 128)]

    @Test(arguments: sizes)
    func projectionMatchesNaiveTwin(size: (input: Int, hidden: Int)) {
        let (inputSize, hidden) = size
        var generator = SeededGenerator(seed: UInt64(17 * inputSize + hidden))
        let weight = (0..<(3 * hidden * inputSize)).map { _ in generator.uniform(-0.5, 0.5) }
        let x = (0..<inputSize).map { _ in generator.uniform(-1, 1) }
        var naive = [Float](repeating: 0, count: 3 * hidden)
        Matmul.naiveGemm(transposeA: false, transposeB: true, m: 1, n: 3 * hidden, k: inputSize,
                         a: x, lda: inputSize, b: weight, ldb: inputSize, beta: 0, c: &naive, ldc: 3 * hidden)

        let packed = PackedInputWeights(inputSize: inputSize, hidden: hidden, inputWeight: weight)
        let panelCount = (hidden + 15) / 16
        for descending in [false, true] {
            var projection = [Float](repeating: 9, count: 3 * hidden)
            let order = descending ? Array((0..<panelCount).reversed()) : Array(0..<panelCount)
            for p in order { packed.project(panels: p..<(p + 1), input: x, into: &projection) }
            expectClose(projection, naive, "one panel at a time, descending \(descending)", tolerance: 1e-5)
        }

        // Only the given panels' columns are written.
        var projection = [Float](repeating: 9, count: 3 * hidden)
        packed.project(panels: 0..<1, input: x, into: &projection)
        for gate in 0..<3 {
            for unit in 0..<hidden {
                let index = gate * hidden + unit
                if unit < 16 {
                    #expect(abs(projection[index] - naive[index]) <= 1e-5 * max(1, abs(naive[index])), "column \(index)")
                } else {
                    #expect(projection[index] == 9, "column \(index) of another panel was written")
                }
            }
        }
    }
}
