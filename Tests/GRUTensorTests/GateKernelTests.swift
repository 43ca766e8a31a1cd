import Foundation
import GRUTensor
import Testing

/// The vectorized C gate kernels against their Swift twins (`NaiveGateKernels`), on random
/// data with one masked row, for sizes that are and are not multiples of the vector width.
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
    func resetAfterForward(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        var data = Buffers()
        let gx = data.random("gx", batch * 3 * hidden), gh = data.random("gh", batch * 3 * hidden)
        let hp = data.random("hp", batch * hidden)
        let lengths = Self.lengths(batch)
        func run(_ kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Int>,
                            UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void)
            -> ([Float], [Float], [Float]) {
            var h = [Float](repeating: 9, count: batch * hidden), g = [Float](repeating: 9, count: batch * 3 * hidden)
            var aux = [Float](repeating: 9, count: batch * hidden)
            kernel(gx, gh, hp, lengths, &h, &g, &aux)
            return (h, g, aux)
        }
        let fast = run { GateKernels.resetAfterForward(batch: batch, hidden: hidden, time: 2, lengths: $3, inputProjection: $0, hiddenProjection: $1, previousState: $2, state: $4, gates: $5, candidateHiddenTerm: $6) }
        let naive = run { NaiveGateKernels.resetAfterForward(batch: batch, hidden: hidden, time: 2, lengths: $3, inputProjection: $0, hiddenProjection: $1, previousState: $2, state: $4, gates: $5, candidateHiddenTerm: $6) }
        expectClose(fast.0, naive.0, "state", tolerance: 2e-6)
        expectClose(fast.1, naive.1, "gates", tolerance: 2e-6)
        expectClose(fast.2, naive.2, "candidate hidden term", tolerance: 2e-6)
    }

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
                GateKernels.resetAfterBackward(batch: batch, hidden: hidden, time: 2, lengths: lengths, stateGradient: dh, previousState: hp, gates: &dgh, candidateHiddenTerm: ghn, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
            } else {
                NaiveGateKernels.resetAfterBackward(batch: batch, hidden: hidden, time: 2, lengths: lengths, stateGradient: dh, previousState: hp, gates: &dgh, candidateHiddenTerm: ghn, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
            }
            outputs += [dgx, dgh, dhp]
        }
        expectClose(outputs[0], outputs[3], "input projection gradient", tolerance: 2e-6)
        expectClose(outputs[1], outputs[4], "hidden projection gradient", tolerance: 2e-6)
        expectClose(outputs[2], outputs[5], "previous state gradient", tolerance: 2e-6)
    }

    @Test(arguments: sizes)
    func resetBeforeForwardAndBackward(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        var data = Buffers()
        let gx = data.random("gx", batch * 3 * hidden), gh = data.random("gh", batch * 3 * hidden)
        let hp = data.random("hp", batch * hidden), dh = data.random("dh", batch * hidden)
        let drh = data.random("drh", batch * hidden)
        let lengths = Self.lengths(batch)
        var results: [[Float]] = []
        for fast in [true, false] {
            var g = [Float](repeating: 9, count: batch * 3 * hidden), rh = [Float](repeating: 9, count: batch * hidden)
            var h = [Float](repeating: 9, count: batch * hidden)
            var dgx = [Float](repeating: 9, count: batch * 3 * hidden)
            var dhp = [Float](repeating: 9, count: batch * hidden)
            if fast {
                GateKernels.resetBeforeGates(batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx, hiddenProjection: gh, previousState: hp, gates: &g, resetState: &rh)
                GateKernels.resetBeforeCandidate(batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx, hiddenProjection: gh, previousState: hp, gates: &g, state: &h)
            } else {
                NaiveGateKernels.resetBeforeGates(batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx, hiddenProjection: gh, previousState: hp, gates: &g, resetState: &rh)
                NaiveGateKernels.resetBeforeCandidate(batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx, hiddenProjection: gh, previousState: hp, gates: &g, state: &h)
            }
            // Backward turns the gates into the hidden projection's gradient in place.
            var dgh = g
            if fast {
                GateKernels.resetBeforeBackwardCandidate(batch: batch, hidden: hidden, time: 2, lengths: lengths, stateGradient: dh, previousState: hp, gates: &dgh, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
                GateKernels.resetBeforeBackwardReset(batch: batch, hidden: hidden, time: 2, lengths: lengths, resetStateGradient: drh, previousState: hp, gates: &dgh, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
            } else {
                NaiveGateKernels.resetBeforeBackwardCandidate(batch: batch, hidden: hidden, time: 2, lengths: lengths, stateGradient: dh, previousState: hp, gates: &dgh, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
                NaiveGateKernels.resetBeforeBackwardReset(batch: batch, hidden: hidden, time: 2, lengths: lengths, resetStateGradient: drh, previousState: hp, gates: &dgh, inputProjectionGradient: &dgx, previousStateGradient: &dhp)
            }
            results += [g, rh, h, dgx, dgh, dhp]
        }
        for (index, name) in ["gates", "reset state", "state", "input projection gradient", "hidden projection gradient", "previous state gradient"].enumerated() {
            expectClose(results[index], results[index + 6], name, tolerance: 2e-6)
        }
    }

    @Test func activationsAreAccurateOverTheirRange() {
        // One active row, H values spread over [-20, 20]: r = z = sigmoid(x), n = tanh(x) with gh = 0.
        let hidden = 401
        let xs = (0..<hidden).map { Float($0 - 200) / 10 }
        let gx = xs + xs + xs, gh = [Float](repeating: 0, count: 3 * hidden), hp = [Float](repeating: 0, count: hidden)
        var h = [Float](repeating: 0, count: hidden), g = [Float](repeating: 0, count: 3 * hidden), aux = h
        GateKernels.resetAfterForward(batch: 1, hidden: hidden, time: 0, lengths: [1], inputProjection: gx, hiddenProjection: gh,
                                      previousState: hp, state: &h, gates: &g, candidateHiddenTerm: &aux)
        for (j, x) in xs.enumerated() {
            let sigmoid = 1 / (1 + Foundation.exp(-Double(x)))
            #expect(abs(Double(g[j]) - sigmoid) <= 1e-7 + 2e-7 * sigmoid, "sigmoid(\(x))")
            #expect(abs(Double(g[2 * hidden + j]) - Foundation.tanh(Double(x))) <= 3e-7, "tanh(\(x))")
        }
    }
}
