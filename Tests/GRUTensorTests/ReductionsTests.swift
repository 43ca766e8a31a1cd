import GRUTensor
import GRUTestSupport
import Testing

@Suite(.tags(.unit))
struct ReductionsTests {
    /// A block of columns of a wider matrix (one gate's units of a (rows, 3H) buffer): the
    /// columns outside it are left as they are.
    @Test func columnSumsAddABlockOfColumnsToTheTargetLikeALoop() {
        var generator = SeededGenerator(seed: 5)
        for (rows, width, stride, first) in [(1, 1, 1, 0), (3, 17, 17, 0), (50, 40, 120, 33), (7, 16, 48, 32)] {
            let matrix = (0..<(rows * stride)).map { _ in generator.uniform(-1, 1) }
            let start = (0..<stride).map { _ in generator.uniform(-1, 1) }
            var naive = start.map(Double.init)
            for row in 0..<rows { for j in first..<(first + width) { naive[j] += Double(matrix[row * stride + j]) } }
            var sums = start
            matrix.withUnsafeBufferPointer { matrix in
                sums.withUnsafeMutableBufferPointer { sums in
                    Reductions.addColumnSums(
                        rows: rows, width: width, stride: stride, matrix: matrix.baseAddress! + first,
                        into: sums.baseAddress! + first)
                }
            }
            expectApproximatelyEqual(
                sums, naive.map { Float($0) },
                absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "column sums \(rows)x\(width) of \(stride)")
            let outside = Array(0..<first) + Array((first + width)..<stride)
            #expect(outside.allSatisfy { sums[$0] == start[$0] }, "columns outside the block")
        }
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
                    #expect(
                        !copy.withUnsafeBufferPointer { Reductions.allFinite($0) }, "\(bad) at \(position) of \(count)")
                }
            }
        }
        let extremes: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]
        #expect(extremes.withUnsafeBufferPointer { Reductions.allFinite($0) })
    }
}
