import GRUTensor
import Testing

struct ReductionsTests {
    @Test func columnSumsAddToTheTargetLikeALoop() {
        var generator = SeededGenerator(seed: 5)
        for (rows, width) in [(1, 1), (3, 17), (50, 40)] {
            let matrix = (0..<(rows * width)).map { _ in generator.uniform(-1, 1) }
            let start = (0..<width).map { _ in generator.uniform(-1, 1) }
            var naive = start.map(Double.init)
            for row in 0..<rows { for j in 0..<width { naive[j] += Double(matrix[row * width + j]) } }
            var sums = start
            Reductions.addColumnSums(rows: rows, width: width, matrix: matrix, into: &sums)
            expectClose(sums, naive.map { Float($0) }, "column sums \(rows)x\(width)", tolerance: 1e-5)
        }
    }

    /// Large enough to be split by columns across the team (with a remainder past the last
    /// 16-column group): every column is still summed in row order, so the sums equal a plain
    /// Float loop's exactly.
    @Test func columnSumsSplitAcrossThreadsEqualOneLoop() {
        var generator = SeededGenerator(seed: 6)
        let rows = 700, width = 405
        let matrix = (0..<(rows * width)).map { _ in generator.uniform(-1, 1) }
        var loop = (0..<width).map { _ in generator.uniform(-1, 1) }
        var sums = loop
        for row in 0..<rows { for j in 0..<width { loop[j] += matrix[row * width + j] } }
        Reductions.addColumnSums(rows: rows, width: width, matrix: matrix, into: &sums)
        #expect(sums == loop)
    }

    /// A NaN or an infinity anywhere, in the first, a middle or the last block, is found.
    @Test func allFiniteFindsEveryNonFiniteValue() {
        for count in [0, 1, 100, 4096, 4097, 10_000] {
            let values = [Float](repeating: 1.5, count: count)
            #expect(values.withUnsafeBufferPointer { Reductions.allFinite($0) })
            for position in Set([0, count / 2, count - 1]) where count > 0 {
                for bad in [Float.nan, .infinity, -.infinity, .signalingNaN] {
                    var copy = values
                    copy[position] = bad
                    #expect(!copy.withUnsafeBufferPointer { Reductions.allFinite($0) }, "\(bad) at \(position) of \(count)")
                }
            }
        }
        let extremes: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]
        #expect(extremes.withUnsafeBufferPointer { Reductions.allFinite($0) })
    }
}
