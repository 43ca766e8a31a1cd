import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUNetworks

/// The LSTM's general path (activations other than tanh and sigmoid): central differences in
/// Double through `NaiveLSTM` against backward; the general path forced on tanh and sigmoid
/// against the fused kernels; steps shared across threads against one thread.
@Suite(.tags(.unit))
struct LSTMActivationGradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var activation: RecurrentActivation
        var recurrentActivation: RecurrentActivation
        var layers = 1
        var bidirectional = false
        var lengths: [Int]? = nil
        var dropout: GRUDropout? = nil
        var testDescription: String {
            "\(activation.kerasName)/\(recurrentActivation.kerasName) L\(layers)\(bidirectional ? " bi" : "")"
                + "\(lengths.map { " lengths \($0)" } ?? "")"
                + (dropout.map { " dropout \($0.betweenLayers)/\($0.recurrent)" } ?? "")
        }
    }

    static let cases: [Case] = [
        Case(activation: .relu, recurrentActivation: .hardSigmoid),
        Case(activation: .linear, recurrentActivation: .sigmoid, layers: 2, bidirectional: true, lengths: [4, 2, 1]),
        Case(
            activation: .tanh, recurrentActivation: .hardSigmoid, layers: 2, bidirectional: true, lengths: [2, 4, 3],
            dropout: GRUDropout(betweenLayers: 0.3, recurrent: 0.4, seed: 99)),
        Case(activation: .sigmoid, recurrentActivation: .tanh),
    ]

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let steps = 4, batch = 3, inputSize = 3, hidden = 4
        let configuration = LSTMConfiguration(
            inputSize: inputSize, hiddenSize: hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, activation: testCase.activation,
            recurrentActivation: testCase.recurrentActivation)
        let layer = LSTMLayer(configuration)
        #expect(!layer.cell.usesFusedKernels)
        let weights = LSTMGradientCheckTests.weights(layer, seed: 7)
        var random = RandomData(seed: 11)
        let input = random.tensor([steps, batch, inputSize])
        let stateShape = [configuration.stateCount, batch, hidden]
        let h0 = random.tensor(stateShape), c0 = random.tensor(stateShape)
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalStateGradient = random.tensor(stateShape), finalCellStateGradient = random.tensor(stateShape)
        let (result, gradients, parameterGradients) = try Self.run(
            layer, weights: weights, input: input, h0: h0, c0: c0, lengths: testCase.lengths,
            dropout: testCase.dropout, outputGradient: outputGradient, finalStateGradient: finalStateGradient,
            finalCellStateGradient: finalCellStateGradient)

        let naive = NaiveLSTM(configuration, parameters: weights, masksOf: result.trace)
        let x = input.scalars.map(Double.init), h = h0.scalars.map(Double.init), c = c0.scalars.map(Double.init)
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
        let (output, finalState, finalCellState) = naive.forward(
            input: x, steps: steps, batch: batch, initialState: h, initialCellState: c, lengths: testCase.lengths)
        expectApproximatelyEqual(result.output.scalars, output, absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(result.finalState.scalars, finalState, absoluteTolerance: 1e-5, "final state")
        expectApproximatelyEqual(
            try #require(result.finalCellState).scalars, finalCellState, absoluteTolerance: 1e-5, "final cell state")
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

    /// Forward then backward of `layer`.
    static func run(
        _ layer: LSTMLayer, weights: [Float], input: Tensor, h0: Tensor, c0: Tensor, lengths: [Int]?,
        dropout: GRUDropout?, outputGradient: Tensor, finalStateGradient: Tensor, finalCellStateGradient: Tensor
    ) throws -> (RecurrentForwardResult, RecurrentStateGradients, [Float]) {
        var parameterGradients = [Float](repeating: 0, count: layer.layout.count)
        let (result, gradients) = try weights.withUnsafeBufferPointer { weights in
            let result = try layer.forward(
                input, initialState: h0, initialCellState: c0, lengths: lengths, weights: weights, dropout: dropout)
            let gradients = try parameterGradients.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: outputGradient, finalStateGradient: finalStateGradient,
                    finalCellStateGradient: finalCellStateGradient, weights: weights, gradients: $0)
            }
            return (result, gradients)
        }
        return (result, gradients, parameterGradients)
    }

    /// Everything a two-layer bidirectional layer computes in `parts` threads, with recurrent
    /// dropout and lengths: 2 rows share steps by units, 17 by rows.
    static func run(_ layer: LSTMLayer, weights: [Float], batch: Int, parts: Int) throws -> [(String, [Float])] {
        let steps = 4, config = layer.configuration
        var random = RandomData(seed: 13)
        let input = random.tensor([steps, batch, config.inputSize])
        let stateShape = [config.stateCount, batch, config.hiddenSize]
        let h0 = random.tensor(stateShape), c0 = random.tensor(stateShape)
        let outputGradient = random.tensor([steps, batch, config.outputSize])
        let finalStateGradient = random.tensor(stateShape), finalCellStateGradient = random.tensor(stateShape)
        let lengths = (0..<batch).map { steps - $0 % 3 }
        let (result, gradients, parameterGradients) = try ThreadTeam.withParts(parts) {
            try Self.run(
                layer, weights: weights, input: input, h0: h0, c0: c0, lengths: lengths,
                dropout: GRUDropout(betweenLayers: 0.2, recurrent: 0.3, seed: 21), outputGradient: outputGradient,
                finalStateGradient: finalStateGradient, finalCellStateGradient: finalCellStateGradient)
        }
        return [
            ("output", result.output.scalars), ("final state", result.finalState.scalars),
            ("final cell state", result.finalCellState?.scalars ?? []), ("parameter gradients", parameterGradients),
            ("input gradient", gradients.input.scalars), ("initial state gradient", gradients.initialState.scalars),
            ("initial cell state gradient", gradients.initialCellState?.scalars ?? []),
        ]
    }

    static let sharings: [(Int, Int)] = [(2, 3), (17, 2)]

    /// The general path given tanh and sigmoid computes what the fused kernels compute.
    @Test(arguments: sharings)
    func generalPathMatchesTheFusedKernels(batch: Int, parts: Int) throws {
        let configuration = LSTMConfiguration(inputSize: 3, hiddenSize: 136, layerCount: 2, isBidirectional: true)
        let fusedLayer = LSTMLayer(configuration)
        let general = LSTMLayer(configuration, cell: LSTMCell(forcesGeneralPath: true))
        #expect(fusedLayer.cell.usesFusedKernels && !general.cell.usesFusedKernels)
        let weights = LSTMGradientCheckTests.weights(fusedLayer, seed: 5).map { $0 * 0.3 }
        let fused = try Self.run(fusedLayer, weights: weights, batch: batch, parts: parts)
        let other = try Self.run(general, weights: weights, batch: batch, parts: parts)
        for ((name, expected), (_, actual)) in zip(fused, other) {
            expectApproximatelyEqual(
                actual, expected, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "\(name), general against fused")
        }
    }

    /// Other activations in threads give what one thread gives.
    @Test(arguments: sharings)
    func stepsSharedAcrossThreadsMatchOneThread(batch: Int, parts: Int) throws {
        let configuration = LSTMConfiguration(
            inputSize: 3, hiddenSize: 136, layerCount: 2, isBidirectional: true, activation: .relu,
            recurrentActivation: .hardSigmoid)
        let layer = LSTMLayer(configuration)
        let weights = LSTMGradientCheckTests.weights(layer, seed: 5).map { $0 * 0.3 }
        let shared = try Self.run(layer, weights: weights, batch: batch, parts: parts)
        let single = try Self.run(layer, weights: weights, batch: batch, parts: 1)
        for ((name, expected), (_, actual)) in zip(single, shared) {
            expectApproximatelyEqual(
                actual, expected, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "\(name), shared against one part")
        }
    }
}
