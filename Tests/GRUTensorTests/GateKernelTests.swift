import Foundation
import GRUTensor
import GRUTestSupport
import Testing

/// The vectorized C backward gate kernels against their Swift twins (`NaiveGateKernels`), on
/// random data with one masked row, for sizes that are and are not multiples of the vector
/// width; and the vectorized sigmoid and tanh over their range. (The forward gate math runs
/// inside the packed steps: see PackedRecurrentWeightsTests.)
@Suite(.tags(.unit))
struct GateKernelTests {
    struct Buffers {
        var values: [String: [Float]] = [:]
        var generator = SeededGenerator(seed: 17)

        mutating func random(_ name: String, _ count: Int, scale: Float = 2) -> [Float] {
            let array = (0..<count).map { _ in generator.uniform(-scale, scale) }
            values[name] = array
            return array
        }
    }

    static let sizes = [(batch: 3, hidden: 1), (batch: 2, hidden: 16), (batch: 4, hidden: 37)]
    // Row 1 is past its length at time 2.
    static func lengths(_ batch: Int) -> [Int] { (0..<batch).map { $0 == 1 ? 2 : 5 } }

    @Test(arguments: sizes)
    func resetAfterBackward(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        var data = Buffers()
        let dh = data.random("dh", batch * hidden), hp = data.random("hp", batch * hidden)
        let gates = data.random("g", batch * 3 * hidden, scale: 1).map { abs($0) * 0.9 }
        let ghn = data.random("ghn", batch * hidden)
        let lengths = Self.lengths(batch)
        var outputs: [[Float]] = []
        for fast in [true, false] {
            // The gates buffer comes back holding the hidden projection's gradient.
            var dgh = gates
            var dgx = [Float](repeating: 9, count: batch * 3 * hidden)
            var dhp = [Float](repeating: 9, count: batch * hidden)
            if fast {
                // In two shares of the units, as threads take them.
                let half = hidden / 2
                for (first, width) in [(0, half), (half, hidden - half)] {
                    GateKernels.resetAfterBackward(
                        batch: batch, hidden: hidden, first: first, width: width, time: 2, lengths: lengths,
                        stateGradient: dh, previousState: hp, gates: &dgh, candidateHiddenTerm: ghn,
                        inputProjectionGradient: &dgx, previousStateGradient: &dhp)
                }
            } else {
                NaiveGateKernels.resetAfterBackward(
                    batch: batch, hidden: hidden, time: 2, lengths: lengths, stateGradient: dh, previousState: hp,
                    gates: &dgh, candidateHiddenTerm: ghn, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
            }
            outputs += [dgx, dgh, dhp]
        }
        expectApproximatelyEqual(
            outputs[0], outputs[3], absoluteTolerance: 2e-6, relativeTolerance: 2e-6, "input projection gradient")
        expectApproximatelyEqual(
            outputs[1], outputs[4], absoluteTolerance: 2e-6, relativeTolerance: 2e-6, "hidden projection gradient")
        expectApproximatelyEqual(
            outputs[2], outputs[5], absoluteTolerance: 2e-6, relativeTolerance: 2e-6, "previous state gradient")
    }

    @Test(arguments: sizes)
    func resetBeforeBackward(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        var data = Buffers()
        let hp = data.random("hp", batch * hidden), dh = data.random("dh", batch * hidden)
        let drh = data.random("drh", batch * hidden)
        let gates = data.random("g", batch * 3 * hidden, scale: 1).map { abs($0) * 0.9 }
        let lengths = Self.lengths(batch)
        var results: [[Float]] = []
        for fast in [true, false] {
            var dgx = [Float](repeating: 9, count: batch * 3 * hidden)
            var dhp = [Float](repeating: 9, count: batch * hidden)
            // Backward turns the gates into the hidden projection's gradient in place.
            var dgh = gates
            if fast {
                // In two shares of the units, as threads take them.
                let half = hidden / 2
                for (first, width) in [(0, half), (half, hidden - half)] {
                    GateKernels.resetBeforeBackwardCandidate(
                        batch: batch, hidden: hidden, first: first, width: width, time: 2, lengths: lengths,
                        stateGradient: dh, previousState: hp, gates: &dgh, inputProjectionGradient: &dgx,
                        previousStateGradient: &dhp)
                }
                for (first, width) in [(half, hidden - half), (0, half)] {
                    GateKernels.resetBeforeBackwardReset(
                        batch: batch, hidden: hidden, first: first, width: width, time: 2, lengths: lengths,
                        resetStateGradient: drh, previousState: hp, gates: &dgh, inputProjectionGradient: &dgx,
                        previousStateGradient: &dhp)
                }
            } else {
                NaiveGateKernels.resetBeforeBackwardCandidate(
                    batch: batch, hidden: hidden, time: 2, lengths: lengths, stateGradient: dh, previousState: hp,
                    gates: &dgh, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
                NaiveGateKernels.resetBeforeBackwardReset(
                    batch: batch, hidden: hidden, time: 2, lengths: lengths, resetStateGradient: drh, previousState: hp,
                    gates: &dgh, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
            }
            results += [dgx, dgh, dhp]
        }
        for (index, name) in ["input projection gradient", "hidden projection gradient", "previous state gradient"]
            .enumerated()
        {
            expectApproximatelyEqual(
                results[index], results[index + 3], absoluteTolerance: 2e-6, relativeTolerance: 2e-6, name)
        }
    }

    @Test func activationsAreAccurateOverTheirRange() {
        // One active row, H values spread over [-20, 20], in the packed step with W_hh = 0 and
        // no bias: r = z = sigmoid(x), n = tanh(x).
        let hidden = 401
        let xs = (0..<hidden).map { Float($0 - 200) / 10 }
        let gx = xs + xs + xs, hp = [Float](repeating: 0, count: hidden)
        let zeroWeights = [Float](repeating: 0, count: 3 * hidden * hidden)
        let packed = PackedRecurrentWeights(hidden: hidden, recurrentWeight: zeroWeights, recurrentBias: nil)
        var h = [Float](repeating: 0, count: hidden), g = [Float](repeating: 0, count: 3 * hidden), aux = h
        packed.step(
            batch: 1, panels: 0..<packed.panelCount, time: 0, lengths: [1], inputProjection: gx,
            previousState: hp, state: &h, output: nil, outputStride: hidden, gates: &g, candidateHiddenTerm: &aux)
        // Element j is x = j / 10 - 20. Sigmoid: 1e-7 absolute in its tail near 0, 3e-7 relative
        // near 1 (2.5 float32 ulps); tanh: 3e-7 absolute over its whole range.
        expectApproximatelyEqual(
            Array(g[0..<hidden]), xs.map { 1 / (1 + Foundation.exp(-Double($0))) }, absoluteTolerance: 1e-7,
            relativeTolerance: 3e-7, "r = sigmoid(x)")
        expectApproximatelyEqual(
            Array(g[(2 * hidden)...]), xs.map { Foundation.tanh(Double($0)) }, absoluteTolerance: 3e-7, "n = tanh(x)")
    }
}
