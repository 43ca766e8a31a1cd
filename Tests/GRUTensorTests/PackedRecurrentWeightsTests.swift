import Foundation
import GRUTensor
import GRUTestSupport
import Testing

/// The packed recurrent kernels against their twins: BLAS-free `Matmul.naiveGemm` for the
/// products and `NaiveGateKernels` for the gates. Sizes cover whole and partial panels (16
/// units forward, 32 backward), every row-block remainder (blocks of 8 rows, one- and two-row
/// blocks with their split sums), several panels, and panel ranges as threads take them.
@Suite(.tags(.unit))
struct PackedRecurrentWeightsTests {
    static let sizes: [(batch: Int, hidden: Int)] = [
        (1, 5), (2, 16), (3, 40), (9, 33), (17, 70), (1, 128), (8, 64),
    ]

    // Row 1 is past its length at time 2.
    static func lengths(_ batch: Int) -> [Int] { (0..<batch).map { $0 == 1 ? 2 : 5 } }

    private func random(_ count: Int, _ generator: inout SeededGenerator, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in generator.uniform(-scale, scale) }
    }

    /// The step's state, output, gates and candidate hidden term, from the packed kernel run
    /// over all panels in `splits` consecutive ranges, against the naive product and gates.
    @Test(arguments: sizes)
    func forwardStepMatchesNaiveTwin(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        var generator = SeededGenerator(seed: UInt64(31 * batch + hidden))
        let weight = random(3 * hidden * hidden, &generator, scale: 0.5), bias = random(3 * hidden, &generator)
        let gx = random(batch * 3 * hidden, &generator, scale: 2), hp = random(batch * hidden, &generator)
        let lengths = Self.lengths(batch)
        let outputStride = hidden + 3  // output rows wider than the state, as with two directions

        var gh = bias.count == 0 ? [] : Array((0..<batch).map { _ in bias }.joined())
        Matmul.naiveGemm(
            transposeA: false, transposeB: true, m: batch, n: 3 * hidden, k: hidden,
            a: hp, lda: hidden, b: weight, ldb: hidden, beta: 1, c: &gh, ldc: 3 * hidden)
        var naiveState = [Float](repeating: 0, count: batch * hidden)
        var naiveGates = [Float](repeating: 0, count: batch * 3 * hidden)
        var naiveCandidate = [Float](repeating: 0, count: batch * hidden)
        NaiveGateKernels.resetAfterForward(
            batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx, hiddenProjection: gh,
            previousState: hp, state: &naiveState, gates: &naiveGates, candidateHiddenTerm: &naiveCandidate)
        var naiveOutput = [Float](repeating: 7, count: batch * outputStride)
        for b in 0..<batch {
            for j in 0..<hidden { naiveOutput[b * outputStride + j] = b == 1 ? 0 : naiveState[b * hidden + j] }
        }

        let packed = PackedRecurrentWeights(hidden: hidden, recurrentWeight: weight, recurrentBias: bias)
        for splits in [1, 2, 3] where splits <= packed.panelCount {
            var state = [Float](repeating: 9, count: batch * hidden)
            var output = [Float](repeating: 7, count: batch * outputStride)
            var gates = [Float](repeating: 9, count: batch * 3 * hidden)
            var candidate = [Float](repeating: 9, count: batch * hidden)
            for part in 0..<splits {
                packed.step(
                    batch: batch, panels: ThreadTeam.share(of: packed.panelCount, part: part, parts: splits),
                    time: 2, lengths: lengths, inputProjection: gx, previousState: hp, state: &state,
                    output: &output, outputStride: outputStride, gates: &gates, candidateHiddenTerm: &candidate)
            }
            expectApproximatelyEqual(
                state, naiveState, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "state, \(splits) ranges")
            expectApproximatelyEqual(
                output, naiveOutput, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "output, \(splits) ranges")
            expectApproximatelyEqual(
                gates, naiveGates, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "gates, \(splits) ranges")
            expectApproximatelyEqual(
                candidate, naiveCandidate,
                absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "candidate hidden term, \(splits) ranges")
        }
        // Without bias and without caches or output.
        let unbiased = PackedRecurrentWeights(hidden: hidden, recurrentWeight: weight, recurrentBias: nil)
        var ghUnbiased = [Float](repeating: 0, count: batch * 3 * hidden)
        Matmul.naiveGemm(
            transposeA: false, transposeB: true, m: batch, n: 3 * hidden, k: hidden,
            a: hp, lda: hidden, b: weight, ldb: hidden, beta: 0, c: &ghUnbiased, ldc: 3 * hidden)
        NaiveGateKernels.resetAfterForward(
            batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx,
            hiddenProjection: ghUnbiased, previousState: hp, state: &naiveState, gates: &naiveGates,
            candidateHiddenTerm: &naiveCandidate)
        var state = [Float](repeating: 9, count: batch * hidden)
        unbiased.step(
            batch: batch, panels: 0..<unbiased.panelCount, time: 2, lengths: lengths, inputProjection: gx,
            previousState: hp, state: &state, output: nil, outputStride: 0)
        expectApproximatelyEqual(
            state, naiveState, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "state without bias")

        // b_ih added by the step: the same state from W_ih x alone.
        let inputBias = random(3 * hidden, &generator)
        let withInputBias = PackedRecurrentWeights(
            hidden: hidden, recurrentWeight: weight, recurrentBias: nil, inputBias: inputBias)
        #expect(withInputBias.addsInputBias && !unbiased.addsInputBias)
        let gxWithoutBias = gx.indices.map { gx[$0] - inputBias[$0 % (3 * hidden)] }
        state = [Float](repeating: 9, count: batch * hidden)
        withInputBias.step(
            batch: batch, panels: 0..<withInputBias.panelCount, time: 2, lengths: lengths,
            inputProjection: gxWithoutBias, previousState: hp, state: &state, output: nil, outputStride: 0)
        expectApproximatelyEqual(
            state, naiveState,
            absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "state with the input bias added by the step")
    }

    /// Reset-before's two passes (all gates first, then all candidates, as the threads meet
    /// between them), over panel ranges, against the naive products and gates; b_ih added by
    /// the step.
    @Test(arguments: sizes)
    func resetBeforeStepMatchesNaiveTwin(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        var generator = SeededGenerator(seed: UInt64(7 * batch + hidden))
        let weight = random(3 * hidden * hidden, &generator, scale: 0.5), bias = random(3 * hidden, &generator)
        let inputBias = random(3 * hidden, &generator)
        let gx = random(batch * 3 * hidden, &generator, scale: 2), hp = random(batch * hidden, &generator)
        let lengths = Self.lengths(batch)

        var gh = Array((0..<batch).map { _ in bias }.joined())
        Matmul.naiveGemm(
            transposeA: false, transposeB: true, m: batch, n: 2 * hidden, k: hidden,
            a: hp, lda: hidden, b: weight, ldb: hidden, beta: 1, c: &gh, ldc: 3 * hidden)
        var naiveGates = [Float](repeating: 0, count: batch * 3 * hidden)
        var naiveResetState = [Float](repeating: 0, count: batch * hidden)
        NaiveGateKernels.resetBeforeGates(
            batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx, hiddenProjection: gh,
            previousState: hp, gates: &naiveGates, resetState: &naiveResetState)
        gh.withUnsafeMutableBufferPointer { target in
            weight.withUnsafeBufferPointer { w in
                Matmul.naiveGemm(
                    transposeA: false, transposeB: true, m: batch, n: hidden, k: hidden,
                    a: naiveResetState, lda: hidden, b: w.baseAddress! + 2 * hidden * hidden, ldb: hidden,
                    beta: 1, c: target.baseAddress! + 2 * hidden, ldc: 3 * hidden)
            }
        }
        var naiveState = [Float](repeating: 0, count: batch * hidden)
        NaiveGateKernels.resetBeforeCandidate(
            batch: batch, hidden: hidden, time: 2, lengths: lengths, inputProjection: gx, hiddenProjection: gh,
            previousState: hp, gates: &naiveGates, state: &naiveState)

        let packed = PackedRecurrentWeights(
            hidden: hidden, recurrentWeight: weight, recurrentBias: bias, inputBias: inputBias)
        let gxWithoutBias = gx.indices.map { gx[$0] - inputBias[$0 % (3 * hidden)] }
        for splits in [1, 2, 3] where splits <= packed.panelCount {
            var gates = [Float](repeating: 9, count: batch * 3 * hidden)
            var resetState = [Float](repeating: 9, count: batch * hidden)
            var state = [Float](repeating: 9, count: batch * hidden)
            let ranges = (0..<splits).map { ThreadTeam.share(of: packed.panelCount, part: $0, parts: splits) }
            for panels in ranges {
                packed.resetBeforeGates(
                    batch: batch, panels: panels, time: 2, lengths: lengths, inputProjection: gxWithoutBias,
                    previousState: hp, gates: &gates, resetState: &resetState)
            }
            for panels in ranges {
                packed.resetBeforeCandidate(
                    batch: batch, panels: panels, time: 2, lengths: lengths,
                    inputProjection: gxWithoutBias, previousState: hp, resetState: resetState,
                    gates: &gates, state: &state, output: nil, outputStride: 0)
            }
            expectApproximatelyEqual(
                resetState, naiveResetState,
                absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "r * h, \(splits) ranges")
            expectApproximatelyEqual(
                gates, naiveGates, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "gates, \(splits) ranges")
            expectApproximatelyEqual(
                state, naiveState, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "state, \(splits) ranges")
        }
    }

    /// c += a W_hh for the units of each panel range, against the naive product.
    @Test(arguments: sizes)
    func gradientProductMatchesNaiveTwin(size: (batch: Int, hidden: Int)) {
        let (batch, hidden) = size
        var generator = SeededGenerator(seed: UInt64(17 * batch + hidden))
        let weight = random(3 * hidden * hidden, &generator), a = random(batch * 3 * hidden, &generator)
        let start = random(batch * hidden, &generator)
        var naive = start
        Matmul.naiveGemm(
            transposeA: false, transposeB: false, m: batch, n: hidden, k: 3 * hidden,
            a: a, lda: 3 * hidden, b: weight, ldb: hidden, beta: 1, c: &naive, ldc: hidden)
        let packed = PackedRecurrentGradientWeights(hidden: hidden, recurrentWeight: weight)
        #expect(packed.units(of: 0..<packed.panelCount) == 0..<hidden)
        for splits in [1, 2, 3] where splits <= packed.panelCount {
            var c = start
            for part in 0..<splits {
                let panels = ThreadTeam.share(of: packed.panelCount, part: part, parts: splits)
                packed.accumulate(batch: batch, panels: panels, hiddenProjectionGradient: a, stateGradient: &c)
            }
            expectApproximatelyEqual(
                c, naive, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "state gradient, \(splits) ranges")
        }
        // Rows of W_hh apart, as reset-before takes W_hn and W_h[r, z]: stored, then added.
        var naiveParts = [Float](repeating: 0, count: batch * hidden)
        a.withUnsafeBufferPointer { a in
            weight.withUnsafeBufferPointer { w in
                Matmul.naiveGemm(
                    transposeA: false, transposeB: false, m: batch, n: hidden, k: hidden,
                    a: a.baseAddress! + 2 * hidden, lda: 3 * hidden, b: w.baseAddress! + 2 * hidden * hidden,
                    ldb: hidden, beta: 0, c: &naiveParts, ldc: hidden)
                Matmul.naiveGemm(
                    transposeA: false, transposeB: false, m: batch, n: hidden, k: 2 * hidden,
                    a: a.baseAddress!, lda: 3 * hidden, b: w.baseAddress!, ldb: hidden,
                    beta: 1, c: &naiveParts, ldc: hidden)
            }
        }
        var parts = [Float](repeating: 9, count: batch * hidden)
        packed.multiply(
            batch: batch, panels: 0..<packed.panelCount, weightRows: (2 * hidden)..<(3 * hidden), a: a,
            into: &parts, overwrite: true)
        packed.multiply(
            batch: batch, panels: 0..<packed.panelCount, weightRows: 0..<(2 * hidden), a: a,
            into: &parts, overwrite: false)
        expectApproximatelyEqual(
            parts, naiveParts, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "W_hn then W_h[r, z]")
    }

    static let streamingSizes: [(input: Int, hidden: Int)] = [(3, 5), (17, 16), (8, 40), (5, 70), (64, 128)]

    /// Random weights, biases, x_t and h_{t-1} of one streaming step, with W_ih packed.
    struct StreamingStepData {
        let inputSize: Int, hidden: Int
        let inputWeight: [Float], weight: [Float], bias: [Float], inputBias: [Float]
        let x: [Float], previous: [Float]
        let packedInput: PackedInputWeights

        init(size: (input: Int, hidden: Int), seed: Int) {
            (inputSize, hidden) = size
            var generator = SeededGenerator(seed: UInt64(seed * size.input + size.hidden))
            func random(_ count: Int, scale: Float = 1) -> [Float] {
                (0..<count).map { _ in generator.uniform(-scale, scale) }
            }
            inputWeight = random(3 * size.hidden * size.input, scale: 0.5)
            weight = random(3 * size.hidden * size.hidden, scale: 0.5)
            bias = random(3 * size.hidden)
            inputBias = random(3 * size.hidden)
            x = random(size.input, scale: 2)
            previous = random(size.hidden)
            packedInput = PackedInputWeights(inputSize: size.input, hidden: size.hidden, inputWeight: inputWeight)
        }

        /// W_hh packed, with b_hh and b_ih or without biases.
        func packed(biases: Bool) -> PackedRecurrentWeights {
            PackedRecurrentWeights(
                hidden: hidden, recurrentWeight: weight, recurrentBias: biases ? bias : nil,
                inputBias: biases ? inputBias : nil)
        }

        /// W_ih x_t (+ b_ih), by the naive product.
        func naiveInputProjection(biases: Bool) -> [Float] {
            var gx = biases ? inputBias : [Float](repeating: 0, count: 3 * hidden)
            Matmul.naiveGemm(
                transposeA: false, transposeB: true, m: 1, n: 3 * hidden, k: inputSize,
                a: x, lda: inputSize, b: inputWeight, ldb: inputSize, beta: 1, c: &gx, ldc: 3 * hidden)
            return gx
        }

        /// W_hh h_{t-1} (+ b_hh) for the first `gateCount` gate blocks (r, z, n), by the naive
        /// product; the blocks past them hold b_hh (or zeros) alone. (3H)
        func naiveRecurrentProduct(biases: Bool, gateCount: Int = 3) -> [Float] {
            var gh = biases ? bias : [Float](repeating: 0, count: 3 * hidden)
            Matmul.naiveGemm(
                transposeA: false, transposeB: true, m: 1, n: gateCount * hidden, k: hidden,
                a: previous, lda: hidden, b: weight, ldb: hidden, beta: 1, c: &gh, ldc: 3 * hidden)
            return gh
        }
    }

    /// The fused streaming step (input projection in registers) against the two kernels it
    /// fuses, bit for bit, over panel ranges walked either way, with and without biases, and
    /// against the naive product and gates; past its length the state carries over and the
    /// output is zeros.
    @Test(arguments: streamingSizes)
    func streamingStepEqualsProjectionThenStep(size: (input: Int, hidden: Int)) {
        let data = StreamingStepData(size: size, seed: 7)
        let (hidden, x, hp, packedInput) = (data.hidden, data.x, data.previous, data.packedInput)

        for biases in [true, false] {
            let packed = data.packed(biases: biases)
            let gx = data.naiveInputProjection(biases: biases)
            let gh = data.naiveRecurrentProduct(biases: biases)
            var naiveState = [Float](repeating: 0, count: hidden)
            var naiveGates = [Float](repeating: 0, count: 3 * hidden)
            var naiveCandidate = [Float](repeating: 0, count: hidden)
            NaiveGateKernels.resetAfterForward(
                batch: 1, hidden: hidden, time: 0, lengths: [1], inputProjection: gx, hiddenProjection: gh,
                previousState: hp, state: &naiveState, gates: &naiveGates, candidateHiddenTerm: &naiveCandidate)

            for time in [0, 1] {  // length 1: active at time 0, past its length at 1
                var projection = [Float](repeating: 9, count: 3 * hidden)
                var twoKernelState = [Float](repeating: 9, count: hidden)
                var twoKernelOutput = [Float](repeating: 7, count: hidden)
                packedInput.project(panels: 0..<packed.panelCount, input: x, into: &projection)
                packed.step(
                    batch: 1, panels: 0..<packed.panelCount, time: time, lengths: [1],
                    inputProjection: projection, previousState: hp, state: &twoKernelState,
                    output: &twoKernelOutput, outputStride: hidden)
                let label = "biases \(biases), time \(time)"
                if time == 0 {
                    expectApproximatelyEqual(
                        twoKernelState, naiveState,
                        absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "two kernels, \(label)")
                } else {
                    #expect(twoKernelState == hp && twoKernelOutput == [Float](repeating: 0, count: hidden), "\(label)")
                }
                for splits in [1, 2, 3] where splits <= packed.panelCount {
                    for descending in [false, true] {
                        var state = [Float](repeating: 9, count: hidden)
                        var output = [Float](repeating: 7, count: hidden)
                        for part in 0..<splits {
                            packed.streamingStep(
                                inputWeights: packedInput,
                                panels: ThreadTeam.share(of: packed.panelCount, part: part, parts: splits),
                                descending: descending, time: time, lengths: [1], input: x, previousState: hp,
                                state: &state, output: &output)
                        }
                        let walk = "\(label), \(splits) ranges, descending \(descending)"
                        #expect(state == twoKernelState, "state, \(walk)")
                        #expect(output == twoKernelOutput, "output, \(walk)")
                    }
                }
                // Without an output.
                var state = [Float](repeating: 9, count: hidden)
                packed.streamingStep(
                    inputWeights: packedInput, panels: 0..<packed.panelCount, descending: false, time: time,
                    lengths: [1], input: x, previousState: hp, state: &state, output: nil)
                #expect(state == twoKernelState, "state without output, \(label)")
            }
        }
    }

    /// Reset-before's fused first pass against the projection and gates kernels it fuses, bit
    /// for bit, then the unchanged second pass; and the state against the naive twins.
    @Test(arguments: streamingSizes)
    func resetBeforeStreamingGatesEqualProjectionThenGates(size: (input: Int, hidden: Int)) {
        let data = StreamingStepData(size: size, seed: 11)
        let (hidden, weight, x, hp, packedInput) = (data.hidden, data.weight, data.x, data.previous, data.packedInput)

        for biases in [true, false] {
            let packed = data.packed(biases: biases)
            // The naive twins: gx = W_ih x + b_ih, r and z from W_h[r, z] h + b_h[r, z], then n.
            let gx = data.naiveInputProjection(biases: biases)
            var gh = data.naiveRecurrentProduct(biases: biases, gateCount: 2)
            var naiveGates = [Float](repeating: 0, count: 3 * hidden)
            var naiveResetState = [Float](repeating: 0, count: hidden)
            NaiveGateKernels.resetBeforeGates(
                batch: 1, hidden: hidden, time: 0, lengths: [1], inputProjection: gx, hiddenProjection: gh,
                previousState: hp, gates: &naiveGates, resetState: &naiveResetState)
            gh.withUnsafeMutableBufferPointer { target in
                weight.withUnsafeBufferPointer { w in
                    Matmul.naiveGemm(
                        transposeA: false, transposeB: true, m: 1, n: hidden, k: hidden,
                        a: naiveResetState, lda: hidden, b: w.baseAddress! + 2 * hidden * hidden,
                        ldb: hidden, beta: 1, c: target.baseAddress! + 2 * hidden, ldc: 3 * hidden)
                }
            }
            var naiveState = [Float](repeating: 0, count: hidden)
            NaiveGateKernels.resetBeforeCandidate(
                batch: 1, hidden: hidden, time: 0, lengths: [1], inputProjection: gx, hiddenProjection: gh,
                previousState: hp, gates: &naiveGates, state: &naiveState)

            /// The second pass, the same after either first pass.
            func candidates(
                projection: [Float], resetState: [Float], gates: inout [Float], time: Int
            ) -> (state: [Float], output: [Float]) {
                var state = [Float](repeating: 9, count: hidden), output = [Float](repeating: 7, count: hidden)
                packed.resetBeforeCandidate(
                    batch: 1, panels: 0..<packed.panelCount, time: time, lengths: [1], inputProjection: projection,
                    previousState: hp, resetState: resetState, gates: &gates, state: &state, output: &output,
                    outputStride: hidden)
                return (state, output)
            }
            for time in [0, 1] {  // length 1: active at time 0, past its length at 1
                var projection = [Float](repeating: 9, count: 3 * hidden)
                var gates = [Float](repeating: 9, count: 3 * hidden), resetState = [Float](repeating: 9, count: hidden)
                packedInput.project(panels: 0..<packed.panelCount, input: x, into: &projection)
                packed.resetBeforeGates(
                    batch: 1, panels: 0..<packed.panelCount, time: time, lengths: [1],
                    inputProjection: projection, previousState: hp, gates: &gates,
                    resetState: &resetState)
                let twoKernel = candidates(projection: projection, resetState: resetState, gates: &gates, time: time)
                let label = "biases \(biases), time \(time)"
                if time == 0 {
                    expectApproximatelyEqual(
                        twoKernel.state, naiveState,
                        absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "two kernels, \(label)")
                } else {
                    #expect(
                        twoKernel.state == hp && twoKernel.output == [Float](repeating: 0, count: hidden), "\(label)")
                }
                for splits in [1, 2, 3] where splits <= packed.panelCount {
                    for descending in [false, true] {
                        var fusedProjection = [Float](repeating: 9, count: 3 * hidden)
                        var fusedGates = [Float](repeating: 9, count: 3 * hidden)
                        var fusedResetState = [Float](repeating: 9, count: hidden)
                        for part in 0..<splits {
                            packed.resetBeforeStreamingGates(
                                inputWeights: packedInput,
                                panels: ThreadTeam.share(of: packed.panelCount, part: part, parts: splits),
                                descending: descending, time: time, lengths: [1], input: x, previousState: hp,
                                inputProjection: &fusedProjection, gates: &fusedGates, resetState: &fusedResetState)
                        }
                        let walk = "\(label), \(splits) ranges, descending \(descending)"
                        #expect(fusedResetState == resetState, "r * h, \(walk)")
                        if time == 0 {
                            #expect(
                                Array(fusedGates[0..<(2 * hidden)]) == Array(gates[0..<(2 * hidden)]), "r, z, \(walk)")
                            #expect(
                                Array(fusedProjection[(2 * hidden)...]) == Array(projection[(2 * hidden)...]),
                                "W_in x, \(walk)")
                        }
                        let fused = candidates(
                            projection: fusedProjection, resetState: fusedResetState, gates: &fusedGates, time: time)
                        #expect(fused.state == twoKernel.state && fused.output == twoKernel.output, "state, \(walk)")
                        #expect(fusedGates == gates, "gates after both passes, \(walk)")
                    }
                }
            }
        }
    }
}
