import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUNetworks

/// Central finite differences in Double (through `NaiveLSTM`) against `LSTMLayer.backward`,
/// for L = sum(output * dY) + sum(h_n * dh_n) + sum(c_n * dc_n); and the layer's forward against
/// the twin with thread counts forced so that steps are shared by rows and by units.
@Suite(.tags(.unit))
struct LSTMGradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var layers = 1
        var bidirectional = false
        var bias = true
        var lengths: [Int]? = nil
        var initialState = true
        var dropout: GRUDropout? = nil
        var layout: SequenceLayout = .timeMajor
        func configuration(inputSize: Int, hiddenSize: Int) -> LSTMConfiguration {
            LSTMConfiguration(
                inputSize: inputSize, hiddenSize: hiddenSize, layerCount: layers, isBidirectional: bidirectional,
                hasBias: bias)
        }
        var testDescription: String {
            "L\(layers)\(bidirectional ? " bi" : "")\(bias ? "" : " no-bias")"
                + "\(lengths.map { " lengths \($0)" } ?? "")\(initialState ? " h0 c0" : "")"
                + (dropout.map { " dropout \($0.betweenLayers)/\($0.recurrent)" } ?? "")
        }
    }

    static let cases: [Case] = [
        Case(),
        Case(layers: 2, bidirectional: true, lengths: [4, 2, 1]),
        Case(bias: false, initialState: false),
        Case(layers: 2, lengths: [3, 4, 1], initialState: false),
        Case(
            layers: 2, bidirectional: true, lengths: [2, 4, 3],
            dropout: GRUDropout(betweenLayers: 0.3, recurrent: 0.4, seed: 99)),
    ]

    /// Random weights in [-0.6, 0.6].
    static func weights(_ layer: LSTMLayer, seed: UInt64) -> [Float] {
        var random = RandomData(seed: seed)
        return random.tensor([layer.layout.count], scale: 0.6).scalars
    }

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let steps = 4, batch = 3, inputSize = 3, hidden = 4
        let configuration = testCase.configuration(inputSize: inputSize, hiddenSize: hidden)
        let layer = LSTMLayer(configuration)
        let weights = Self.weights(layer, seed: 7)
        var random = RandomData(seed: 11)
        let input = random.tensor([steps, batch, inputSize])
        let stateShape = [configuration.stateCount, batch, hidden]
        let h0 = testCase.initialState ? random.tensor(stateShape) : nil
        let c0 = testCase.initialState ? random.tensor(stateShape) : nil
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalStateGradient = random.tensor(stateShape), finalCellStateGradient = random.tensor(stateShape)

        var parameterGradients = [Float](repeating: 0, count: layer.layout.count)
        let (result, gradients) = try weights.withUnsafeBufferPointer { weights in
            let result = try layer.forward(
                input, initialState: h0, initialCellState: c0, lengths: testCase.lengths, weights: weights,
                dropout: testCase.dropout)
            let gradients = try parameterGradients.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: outputGradient, finalStateGradient: finalStateGradient,
                    finalCellStateGradient: finalCellStateGradient, weights: weights, gradients: $0)
            }
            return (result, gradients)
        }

        let naive = NaiveLSTM(configuration, parameters: weights, masksOf: result.trace)
        if testCase.dropout != nil {
            #expect(naive.betweenLayerMasks[1] != nil && naive.recurrentMasks[0][0] != nil)
        }
        let x = input.scalars.map(Double.init)
        let zeros = [Double](repeating: 0, count: stateShape.reduce(1, *))
        let h = h0?.scalars.map(Double.init) ?? zeros, c = c0?.scalars.map(Double.init) ?? zeros
        let dY = outputGradient.scalars.map(Double.init)
        let dH = finalStateGradient.scalars.map(Double.init), dC = finalCellStateGradient.scalars.map(Double.init)
        func loss(parameters: [Double], input: [Double], h0: [Double], c0: [Double]) -> Double {
            var perturbed = naive
            perturbed.parameters = parameters
            let (y, hn, cn) = perturbed.forward(
                input: input, steps: steps, batch: batch, initialState: h0, initialCellState: c0,
                lengths: testCase.lengths)
            return zip(y, dY).map(*).reduce(0, +) + zip(hn, dH).map(*).reduce(0, +) + zip(cn, dC).map(*).reduce(0, +)
        }
        let p = naive.parameters
        let checks: [(String, [Float], [Double])] = [
            (
                "parameter gradients", parameterGradients,
                centralDifferences(p) { loss(parameters: $0, input: x, h0: h, c0: c) }
            ),
            (
                "input gradient", gradients.input.scalars,
                centralDifferences(x) { loss(parameters: p, input: $0, h0: h, c0: c) }
            ),
            (
                "initial state gradient", gradients.initialState.scalars,
                centralDifferences(h) { loss(parameters: p, input: x, h0: $0, c0: c) }
            ),
            (
                "initial cell state gradient", try #require(gradients.initialCellState).scalars,
                centralDifferences(c) { loss(parameters: p, input: x, h0: h, c0: $0) }
            ),
        ]
        for (name, actual, expected) in checks {
            expectApproximatelyEqual(actual, expected, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, name)
        }
    }

    /// Steps shared across threads in forced part counts, with recurrent dropout and lengths: 2
    /// rows of one direction split by hidden units in 3 parts (two barriers a step), 17 rows of
    /// two directions split by rows in 2. The outputs and final states against the Double
    /// twin, the gradients against the same run in one part (the fast kernels are checked
    /// against the twin above and in LSTMGateKernelTests), and each gradient along a random
    /// direction against the twin's central difference.
    @Test(arguments: [(2, false, 3), (17, true, 2)])
    func stepsSharedAcrossThreadsMatchTheTwin(batch: Int, bidirectional: Bool, parts: Int) throws {
        let steps = 4, inputSize = 3, hidden = 136
        let configuration = LSTMConfiguration(inputSize: inputSize, hiddenSize: hidden, isBidirectional: bidirectional)
        let layer = LSTMLayer(configuration)
        let weights = Self.weights(layer, seed: 5).map { $0 * 0.3 }
        var random = RandomData(seed: 13)
        let input = random.tensor([steps, batch, inputSize])
        let stateShape = [configuration.stateCount, batch, hidden]
        let h0 = random.tensor(stateShape), c0 = random.tensor(stateShape)
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalCellStateGradient = random.tensor(stateShape)
        let lengths = (0..<batch).map { steps - $0 % 3 }
        let dropout = GRUDropout(recurrent: 0.3, seed: UInt64(batch))
        func run(parts: Int) throws -> (RecurrentForwardResult, RecurrentStateGradients, [Float]) {
            var parameterGradients = [Float](repeating: 0, count: layer.layout.count)
            let (result, gradients) = try ThreadTeam.withParts(parts) {
                #expect(ThreadTeam.defaultParts == parts)
                return try weights.withUnsafeBufferPointer { weights in
                    let result = try layer.forward(
                        input, initialState: h0, initialCellState: c0, lengths: lengths, weights: weights,
                        dropout: dropout)
                    let gradients = try parameterGradients.withUnsafeMutableBufferPointer {
                        try layer.backward(
                            result, outputGradient: outputGradient, finalCellStateGradient: finalCellStateGradient,
                            weights: weights, gradients: $0)
                    }
                    return (result, gradients)
                }
            }
            return (result, gradients, parameterGradients)
        }
        let (result, gradients, parameterGradients) = try run(parts: parts)
        // The shares the forced counts give: by units for 2 rows, by rows for 17.
        let sharing = try ThreadTeam.withParts(parts) {
            StepSharing(
                batch: batch,
                weights: LSTMStepWeights(hidden: hidden, recurrentWeight: weights, recurrentBias: nil, inputBias: nil))
        }
        #expect(sharing.byRows == (batch == 17) && sharing.parts == parts)

        let naive = NaiveLSTM(configuration, parameters: weights, masksOf: result.trace)
        let x = input.scalars.map(Double.init), h = h0.scalars.map(Double.init), c = c0.scalars.map(Double.init)
        let (output, finalState, finalCellState) = naive.forward(
            input: x, steps: steps, batch: batch, initialState: h, initialCellState: c, lengths: lengths)
        expectApproximatelyEqual(result.output.scalars, output, absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(result.finalState.scalars, finalState, absoluteTolerance: 1e-5, "final state")
        expectApproximatelyEqual(
            try #require(result.finalCellState).scalars, finalCellState, absoluteTolerance: 1e-5, "final cell state")

        let (_, single, singleParameters) = try run(parts: 1)
        expectApproximatelyEqual(
            parameterGradients, singleParameters, absoluteTolerance: 1e-5, relativeTolerance: 1e-4,
            "parameter gradients, shared against one part")
        expectApproximatelyEqual(
            gradients.input, single.input, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "input gradient")
        expectApproximatelyEqual(
            try #require(gradients.initialCellState), try #require(single.initialCellState), absoluteTolerance: 1e-5,
            relativeTolerance: 1e-4, "initial cell state gradient")

        let dY = outputGradient.scalars.map(Double.init), dC = finalCellStateGradient.scalars.map(Double.init)
        func loss(parameters: [Double], input: [Double], h0: [Double], c0: [Double]) -> Double {
            var perturbed = naive
            perturbed.parameters = parameters
            let (y, _, cn) = perturbed.forward(
                input: input, steps: steps, batch: batch, initialState: h0, initialCellState: c0, lengths: lengths)
            return zip(y, dY).map(*).reduce(0, +) + zip(cn, dC).map(*).reduce(0, +)
        }
        /// (L(p + e v) - L(p - e v)) / 2e against gradient . v.
        func check(_ point: [Double], _ gradient: [Float], _ name: String, _ loss: ([Double]) -> Double) {
            let raw = random.tensor([point.count]).scalars.map(Double.init)
            let norm = raw.map { $0 * $0 }.reduce(0, +).squareRoot()
            let direction = raw.map { $0 / norm }, e = 1e-4
            let expected =
                (loss(zip(point, direction).map { $0 + e * $1 }) - loss(zip(point, direction).map { $0 - e * $1 }))
                / (2 * e)
            let actual = zip(gradient, direction).map { Double($0) * $1 }.reduce(0, +)
            expectApproximatelyEqual(
                actual, expected, absoluteTolerance: 1e-5, relativeTolerance: 1e-4,
                "\(name): gradient . v against the central difference")
        }
        let p = naive.parameters
        check(p, parameterGradients, "parameters") { loss(parameters: $0, input: x, h0: h, c0: c) }
        check(x, gradients.input.scalars, "input") { loss(parameters: p, input: $0, h0: h, c0: c) }
        check(h, gradients.initialState.scalars, "initial state") { loss(parameters: p, input: x, h0: $0, c0: c) }
        check(c, try #require(gradients.initialCellState).scalars, "initial cell state") {
            loss(parameters: p, input: x, h0: h, c0: $0)
        }
    }
}
