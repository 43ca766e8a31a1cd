import Foundation
import GRUTensor
import GRUTestSupport
import Testing

/// The vectorized LSTM gate kernels against their Swift twins (`NaiveLSTMGateKernels`), forward
/// and backward, on random data with one row past its length, for sizes that are and are not
/// multiples of the vector width, the fast kernels run in two shares of the units as threads
/// take them.
@Suite(.tags(.unit))
struct LSTMGateKernelTests {
    static let sizes = [(batch: 3, hidden: 1), (batch: 2, hidden: 16), (batch: 4, hidden: 37)]
    // Row 1 is past its length at time 2.
    static func lengths(_ batch: Int) -> [Int] { (0..<batch).map { $0 == 1 ? 2 : 5 } }

    static func random(_ count: Int, _ generator: inout SeededGenerator, scale: Float = 2) -> [Float] {
        (0..<count).map { _ in generator.uniform(-scale, scale) }
    }

    @Test(arguments: sizes, [true, false])
    func forwardMatchesNaiveTwin(size: (batch: Int, hidden: Int), hasBias: Bool) {
        let (batch, hidden) = size
        var generator = SeededGenerator(seed: 23)
        let gx = Self.random(batch * 4 * hidden, &generator), gh = Self.random(batch * 4 * hidden, &generator)
        let bias = Self.random(4 * hidden, &generator)
        let hp = Self.random(batch * hidden, &generator), cp = Self.random(batch * hidden, &generator)
        let lengths = Self.lengths(batch)
        let outputStride = hidden + 3
        var results: [[[Float]]] = []
        for fast in [true, false] {
            var gates = gh
            var h = [Float](repeating: 9, count: batch * hidden), c = h
            var output = [Float](repeating: 9, count: batch * outputStride)
            bias.withUnsafeBufferPointer { biasBuffer in
                let b = hasBias ? biasBuffer.baseAddress : nil
                if fast {
                    let half = hidden / 2
                    for (first, width) in [(0, half), (half, hidden - half)] {
                        LSTMGateKernels.forward(
                            batch: batch, hidden: hidden, first: first, width: width, time: 2, lengths: lengths,
                            inputProjection: gx, bias: b, gates: &gates, previousState: hp, previousCellState: cp,
                            state: &h, cellState: &c, output: &output, outputStride: outputStride)
                    }
                } else {
                    NaiveLSTMGateKernels.forward(
                        batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx, bias: b,
                        gates: &gates, previousState: hp, previousCellState: cp, state: &h, cellState: &c,
                        output: &output, outputStride: outputStride)
                }
            }
            results.append([gates, h, c, output])
        }
        for (index, name) in ["gates", "state", "cell state", "output"].enumerated() {
            expectApproximatelyEqual(
                results[0][index], results[1][index], absoluteTolerance: 2e-6, relativeTolerance: 2e-6, name)
        }
        // The row past its length carries h and c and outputs zeros.
        #expect(Array(results[0][1][hidden..<(2 * hidden)]) == Array(hp[hidden..<(2 * hidden)]))
        #expect(Array(results[0][2][hidden..<(2 * hidden)]) == Array(cp[hidden..<(2 * hidden)]))
        #expect(results[0][3][outputStride..<(outputStride + hidden)].allSatisfy { $0 == 0 })
    }

    @Test(arguments: sizes)
    func backwardMatchesNaiveTwin(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        var generator = SeededGenerator(seed: 29)
        let activated = Self.random(batch * 4 * hidden, &generator, scale: 1).map { abs($0) * 0.9 }
        let dh = Self.random(batch * hidden, &generator), dc = Self.random(batch * hidden, &generator)
        let cp = Self.random(batch * hidden, &generator), c = Self.random(batch * hidden, &generator)
        let lengths = Self.lengths(batch)
        var results: [[[Float]]] = []
        for fast in [true, false] {
            var gates = activated
            var dgx = [Float](repeating: 9, count: batch * 4 * hidden)
            var dhp = [Float](repeating: 9, count: batch * hidden), dcp = dhp
            if fast {
                let half = hidden / 2
                for (first, width) in [(0, half), (half, hidden - half)] {
                    LSTMGateKernels.backward(
                        batch: batch, hidden: hidden, first: first, width: width, time: 2, lengths: lengths,
                        stateGradient: dh, cellStateGradient: dc, previousCellState: cp, cellState: c, gates: &gates,
                        inputProjectionGradient: &dgx, previousStateGradient: &dhp, previousCellStateGradient: &dcp)
                }
            } else {
                NaiveLSTMGateKernels.backward(
                    batch: batch, hidden: hidden, time: 2, lengths: lengths, stateGradient: dh,
                    cellStateGradient: dc, previousCellState: cp, cellState: c, gates: &gates,
                    inputProjectionGradient: &dgx, previousStateGradient: &dhp, previousCellStateGradient: &dcp)
            }
            results.append([gates, dgx, dhp, dcp])
        }
        for (index, name) in ["hidden projection gradient", "input projection gradient", "dh_prev", "dc_prev"]
            .enumerated()
        {
            expectApproximatelyEqual(
                results[0][index], results[1][index], absoluteTolerance: 2e-6, relativeTolerance: 2e-6, name)
        }
        // The row past its length passes both gradients through.
        #expect(Array(results[0][2][hidden..<(2 * hidden)]) == Array(dh[hidden..<(2 * hidden)]))
        #expect(Array(results[0][3][hidden..<(2 * hidden)]) == Array(dc[hidden..<(2 * hidden)]))
    }
}
