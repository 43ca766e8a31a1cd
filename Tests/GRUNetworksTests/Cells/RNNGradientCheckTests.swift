import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUNetworks

/// Central finite differences in Double (through `NaiveRNN`) against `RNNLayer.backward`, for
/// the loss L = sum(output * dY) + sum(finalState * dHN), and the fast layer against the naive
/// twin with the thread team forced to split steps by rows and by units.
@Suite(.tags(.unit))
struct RNNGradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var nonlinearity: RNNNonlinearity
        var layers = 1
        var bidirectional = false
        var bias = true
        var lengths: [Int]? = nil
        var testDescription: String {
            "\(nonlinearity.rawValue) L\(layers)\(bidirectional ? " bi" : "")\(bias ? "" : " no-bias")"
                + "\(lengths.map { " lengths \($0)" } ?? "")"
        }
    }

    static let cases: [Case] = RNNNonlinearity.allCases.flatMap { nonlinearity in
        [
            Case(nonlinearity: nonlinearity),
            Case(nonlinearity: nonlinearity, layers: 2, bidirectional: true, lengths: [4, 2, 1]),
            Case(nonlinearity: nonlinearity, bias: false, lengths: [3, 4, 2]),
        ]
    }

    /// The layer's weights drawn uniformly, biases included.
    static func weights(_ layer: RNNLayer, seed: UInt64) -> [Float] {
        var random = RandomData(seed: seed)
        return random.tensor([layer.layout.count], scale: 0.6).scalars
    }

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let steps = 4, batch = 3, inputSize = 3, hidden = 4
        let configuration = RNNConfiguration(
            inputSize: inputSize, hiddenSize: hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, hasBias: testCase.bias, nonlinearity: testCase.nonlinearity)
        let layer = RNNLayer(configuration)
        let weights = Self.weights(layer, seed: 5)
        var random = RandomData(seed: 11)
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([configuration.stateCount, batch, hidden])
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalStateGradient = random.tensor([configuration.stateCount, batch, hidden])

        let result = try weights.withUnsafeBufferPointer {
            try layer.forward(input, initialState: initialState, lengths: testCase.lengths, weights: $0)
        }
        var gradients = [Float](repeating: 0, count: layer.layout.count)
        let stateGradients = try weights.withUnsafeBufferPointer { weights in
            try gradients.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: outputGradient, finalStateGradient: finalStateGradient, weights: weights,
                    gradients: $0)
            }
        }

        var naive = NaiveRNN(configuration, parameters: weights)
        var x = input.scalars.map(Double.init), h0 = initialState.scalars.map(Double.init)
        let dY = outputGradient.scalars.map(Double.init), dHN = finalStateGradient.scalars.map(Double.init)
        func loss() -> Double {
            let (output, finalState) = naive.forward(
                input: x, steps: steps, batch: batch, initialState: h0, lengths: testCase.lengths)
            return zip(output, dY).map(*).reduce(0, +) + zip(finalState, dHN).map(*).reduce(0, +)
        }
        // Sets one value through `set`, which the loss then reads.
        func difference(_ saved: Double, _ set: (Double) -> Void) -> Double {
            let epsilon = 1e-6
            set(saved + epsilon)
            let plus = loss()
            set(saved - epsilon)
            let minus = loss()
            set(saved)
            return (plus - minus) / (2 * epsilon)
        }
        let forward = naive.forward(
            input: x, steps: steps, batch: batch, initialState: h0, lengths: testCase.lengths)
        expectApproximatelyEqual(result.output.scalars, forward.output, absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(result.finalState.scalars, forward.finalState, absoluteTolerance: 1e-5, "final state")
        let parameterDifferences = (0..<naive.parameters.count).map { i in
            difference(naive.parameters[i]) { naive.parameters[i] = $0 }
        }
        let inputDifferences = (0..<x.count).map { i in difference(x[i]) { x[i] = $0 } }
        let stateDifferences = (0..<h0.count).map { i in difference(h0[i]) { h0[i] = $0 } }
        expectApproximatelyEqual(
            gradients, parameterDifferences, absoluteTolerance: 1e-4, relativeTolerance: 1e-3, "parameters")
        expectApproximatelyEqual(
            stateGradients.input.scalars, inputDifferences, absoluteTolerance: 1e-4, relativeTolerance: 1e-3, "input")
        expectApproximatelyEqual(
            stateGradients.initialState.scalars, stateDifferences, absoluteTolerance: 1e-4, relativeTolerance: 1e-3,
            "initial state")
    }

    struct ThreadCase: CustomTestStringConvertible, Sendable {
        var nonlinearity: RNNNonlinearity
        var batch: Int
        var hidden: Int
        var parts: Int
        var testDescription: String { "\(nonlinearity.rawValue) B\(batch) H\(hidden) parts \(parts)" }
    }

    /// Split by rows (8 rows a part), and by units in two and three parts (H = 70: three
    /// panels, the last partial; 6 B H^2 is over `StepSharing`'s threshold).
    static let threadCases: [ThreadCase] = RNNNonlinearity.allCases.flatMap { nonlinearity in
        [
            ThreadCase(nonlinearity: nonlinearity, batch: 17, hidden: 6, parts: 2),
            ThreadCase(nonlinearity: nonlinearity, batch: 4, hidden: 70, parts: 2),
            ThreadCase(nonlinearity: nonlinearity, batch: 4, hidden: 70, parts: 3),
        ]
    }

    @Test(arguments: threadCases)
    func threadedMatchesNaive(_ testCase: ThreadCase) throws {
        let steps = 5, inputSize = 3
        let configuration = RNNConfiguration(
            inputSize: inputSize, hiddenSize: testCase.hidden, isBidirectional: true,
            nonlinearity: testCase.nonlinearity)
        let layer = RNNLayer(configuration)
        let weights = Self.weights(layer, seed: 8).map { $0 * 0.3 }
        var random = RandomData(seed: 9)
        let input = random.tensor([steps, testCase.batch, inputSize])
        let initialState = random.tensor([configuration.stateCount, testCase.batch, testCase.hidden])
        let outputGradient = random.tensor([steps, testCase.batch, configuration.outputSize])
        let lengths = (0..<testCase.batch).map { steps - $0 % 3 }

        func run() throws -> (RecurrentForwardResult, RecurrentStateGradients, [Float]) {
            let result = try weights.withUnsafeBufferPointer {
                try layer.forward(input, initialState: initialState, lengths: lengths, weights: $0)
            }
            var gradients = [Float](repeating: 0, count: layer.layout.count)
            let stateGradients = try weights.withUnsafeBufferPointer { weights in
                try gradients.withUnsafeMutableBufferPointer {
                    try layer.backward(result, outputGradient: outputGradient, weights: weights, gradients: $0)
                }
            }
            return (result, stateGradients, gradients)
        }
        let (single, singleStates, singleGradients) = try ThreadTeam.withParts(1) { try run() }
        let (threaded, threadedStates, threadedGradients) = try ThreadTeam.withParts(testCase.parts) {
            #expect(ThreadTeam.defaultParts == testCase.parts)
            return try run()
        }
        let naive = NaiveRNN(configuration, parameters: weights).forward(
            input: input.scalars.map(Double.init), steps: steps, batch: testCase.batch,
            initialState: initialState.scalars.map(Double.init), lengths: lengths)
        expectApproximatelyEqual(threaded.output.scalars, naive.output, absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(threaded.finalState.scalars, naive.finalState, absoluteTolerance: 1e-5, "final state")
        expectApproximatelyEqual(threaded.output, single.output, absoluteTolerance: 1e-6, "output")
        expectApproximatelyEqual(
            threadedStates.input, singleStates.input, absoluteTolerance: 1e-6, relativeTolerance: 1e-5, "input gradient"
        )
        expectApproximatelyEqual(
            threadedStates.initialState, singleStates.initialState, absoluteTolerance: 1e-6, relativeTolerance: 1e-5,
            "initial state gradient")
        expectApproximatelyEqual(
            threadedGradients, singleGradients, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "parameters")
    }
}
