import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUNetworks

/// Zoneout and weight-drop: central finite differences in Double (through `NaiveGRU` with the
/// masks the fast path drew) against `RecurrentLayer.backward`, for the loss
/// L = sum(output * dY) + sum(finalState * dHN); and their seeds, rates and checks.
@Suite(.tags(.unit))
struct RegularizerGradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var variant: GRUVariant
        var layers = 2
        var bidirectional = true
        var lengths: [Int]? = [4, 2, 1]
        /// The layer's own zoneout, for inference's expectation.
        var zoneout: Float = 0
        var dropout: GRUDropout?
        var testDescription: String {
            "\(variant.rawValue) L\(layers)\(bidirectional ? " bi" : "") zoneout \(zoneout)"
                + (dropout.map { " dropout \($0.betweenLayers)/\($0.recurrent)/\($0.zoneout)/\($0.weightDrop)" } ?? "")
        }
    }

    static let cases: [Case] = GRUVariant.allCases.flatMap { variant in
        [
            Case(variant: variant, dropout: GRUDropout(zoneout: 0.3, seed: 5)),
            Case(variant: variant, dropout: GRUDropout(weightDrop: 0.4, seed: 6)),
            Case(variant: variant, zoneout: 0.3),
            Case(
                variant: variant, layers: 1, bidirectional: false, lengths: nil,
                dropout: GRUDropout(zoneout: 0.25, weightDrop: 0.5, seed: 7)),
            Case(
                variant: variant, lengths: [2, 4, 3],
                dropout: GRUDropout(betweenLayers: 0.3, recurrent: 0.4, zoneout: 0.3, weightDrop: 0.4, seed: 8)),
        ]
    }

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let steps = 4, batch = 3, inputSize = 3, hidden = 4
        let configuration = GRUConfiguration(
            inputSize: inputSize, hiddenSize: hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, variant: testCase.variant)
        let gru = GRU(configuration: configuration, initialization: .pytorch, seed: 7)
        let layer = GRULayer(configuration, zoneout: testCase.zoneout)
        var random = RandomData(seed: 11)
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([configuration.stateCount, batch, hidden])
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalStateGradient = random.tensor([configuration.stateCount, batch, hidden])
        let (result, gradients) = try Self.run(
            layer, gru.parameters, input: input, initialState: initialState, lengths: testCase.lengths,
            dropout: testCase.dropout, outputGradient: outputGradient, finalStateGradient: finalStateGradient)

        let naive = NaiveGRU(gru.parameters, regularizersOf: result.trace, zoneout: testCase.zoneout)
        if let dropout = testCase.dropout {
            #expect((naive.zoneoutMasks[0][0] != nil) == (dropout.zoneout > 0))
            #expect((naive.weightDropMasks[0][0] != nil) == (dropout.weightDrop > 0))
        }
        let x = input.scalars.map(Double.init), h0 = initialState.scalars.map(Double.init)
        let dY = outputGradient.scalars.map(Double.init), dHN = finalStateGradient.scalars.map(Double.init)
        func loss(parameters: [Double], input: [Double], initialState: [Double]) -> Double {
            var perturbed = naive
            perturbed.parameters = parameters
            let (y, hn) = perturbed.forward(
                input: input, steps: steps, batch: batch, initialState: initialState, lengths: testCase.lengths)
            return zip(y, dY).map(*).reduce(0, +) + zip(hn, dHN).map(*).reduce(0, +)
        }
        let (output, _) = naive.forward(
            input: x, steps: steps, batch: batch, initialState: h0, lengths: testCase.lengths)
        expectApproximatelyEqual(result.output.scalars, output, absoluteTolerance: 1e-5, "output")
        let expectedParameters = centralDifferences(naive.parameters) {
            loss(parameters: $0, input: x, initialState: h0)
        }
        let expectedInput = centralDifferences(x) { loss(parameters: naive.parameters, input: $0, initialState: h0) }
        let expectedInitialState = centralDifferences(h0) {
            loss(parameters: naive.parameters, input: x, initialState: $0)
        }
        expectApproximatelyEqual(
            gradients.parameters.values, expectedParameters, absoluteTolerance: 1e-5, relativeTolerance: 1e-4,
            "parameter gradients")
        expectApproximatelyEqual(
            gradients.input.scalars, expectedInput, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "input gradient")
        expectApproximatelyEqual(
            gradients.initialState.scalars, expectedInitialState, absoluteTolerance: 1e-5, relativeTolerance: 1e-4,
            "initial state gradient")
    }

    /// The same seed draws the same masks: two runs agree bit for bit; and rates of 0 (in the
    /// settings and on the layer) are no regularizer at all, bit for bit, other masks included.
    @Test(arguments: GRUVariant.allCases)
    func seedsRepeatAndZeroRatesAreNoRegularizer(_ variant: GRUVariant) throws {
        let configuration = GRUConfiguration(
            inputSize: 3, hiddenSize: 5, layerCount: 2, isBidirectional: true, variant: variant)
        let gru = GRU(configuration: configuration, seed: 3)
        var random = RandomData(seed: 4)
        let input = random.tensor([4, 3, 3]), outputGradient = random.tensor([4, 3, 10])
        func run(_ layer: GRULayer, _ dropout: GRUDropout?) throws -> [[Float]] {
            let (result, gradients) = try Self.run(
                layer, gru.parameters, input: input, initialState: nil, lengths: [4, 2, 3], dropout: dropout,
                outputGradient: outputGradient, finalStateGradient: nil)
            return [
                result.output.scalars, result.finalState.scalars, gradients.parameters.values, gradients.input.scalars,
            ]
        }
        let plain = GRULayer(configuration)
        let regularized = GRUDropout(recurrent: 0.2, zoneout: 0.3, weightDrop: 0.4, seed: 9)
        #expect(try run(plain, regularized) == run(plain, regularized))
        #expect(
            try run(plain, regularized)
                != run(plain, GRUDropout(recurrent: 0.2, zoneout: 0.3, weightDrop: 0.4, seed: 10)))
        #expect(try run(plain, GRUDropout(zoneout: 0, weightDrop: 0, seed: 9)) == run(plain, nil))
        #expect(
            try run(plain, GRUDropout(recurrent: 0.2, seed: 9))
                == run(plain, GRUDropout(recurrent: 0.2, zoneout: 0, weightDrop: 0, seed: 9)))
        #expect(try run(GRULayer(configuration, zoneout: 0), nil) == run(plain, nil))
        // In training the settings' rate draws the masks; the layer's own rate is inference's.
        #expect(try run(GRULayer(configuration, zoneout: 0.5), regularized) == run(plain, regularized))
    }

    /// Zoneout with threads sharing a step by hidden units (a barrier every step) and by rows:
    /// the same output and gradients as one thread.
    @Test(arguments: [(2, false, 3), (17, true, 2)])
    func zoneoutSharedAcrossThreadsMatchesOneThread(batch: Int, bidirectional: Bool, parts: Int) throws {
        let configuration = GRUConfiguration(inputSize: 3, hiddenSize: 136, isBidirectional: bidirectional)
        let gru = GRU(configuration: configuration, seed: 7)
        var random = RandomData(seed: 13)
        let input = random.tensor([4, batch, 3])
        let outputGradient = random.tensor([4, batch, configuration.outputSize])
        let lengths = (0..<batch).map { 4 - $0 % 3 }
        let dropout = GRUDropout(recurrent: 0.2, zoneout: 0.3, weightDrop: 0.3, seed: UInt64(batch))
        func run(parts: Int) throws -> [[Float]] {
            try ThreadTeam.withParts(parts) {
                let (result, gradients) = try Self.run(
                    GRULayer(configuration), gru.parameters, input: input, initialState: nil, lengths: lengths,
                    dropout: dropout, outputGradient: outputGradient, finalStateGradient: nil)
                return [result.output.scalars, gradients.parameters.values, gradients.input.scalars]
            }
        }
        let one = try run(parts: 1), shared = try run(parts: parts)
        for (name, pair) in zip(["output", "parameter gradients", "input gradient"], zip(one, shared)) {
            expectApproximatelyEqual(pair.1, pair.0.map(Double.init), absoluteTolerance: 1e-5, name)
        }
    }

    @Test func probabilitiesOutsideZeroToOneAreInputErrors() throws {
        let configuration = GRUConfiguration(inputSize: 2, hiddenSize: 3)
        let gru = GRU(configuration: configuration)
        let input = Tensor(shape: [2, 1, 2], scalars: [0.1, 0.2, 0.3, 0.4])
        func forward(_ layer: GRULayer, _ dropout: GRUDropout?) throws {
            _ = try gru.parameters.values.withUnsafeBufferPointer {
                try layer.forward(input, weights: $0, dropout: dropout)
            }
        }
        expectInputError(["zoneout", "[0, 1)", "1.0"]) { try forward(GRULayer(configuration, zoneout: 1), nil) }
        expectInputError(["zoneout", "[0, 1)", "-0.1"]) {
            try forward(GRULayer(configuration), GRUDropout(zoneout: -0.1, seed: 0))
        }
        expectInputError(["weight-drop", "[0, 1)", "1.5"]) {
            try forward(GRULayer(configuration), GRUDropout(weightDrop: 1.5, seed: 0))
        }
    }

    /// Forward then backward of `layer` over `parameters`.
    static func run(
        _ layer: GRULayer, _ parameters: GRUParameters, input: Tensor, initialState: Tensor?, lengths: [Int]?,
        dropout: GRUDropout?, outputGradient: Tensor, finalStateGradient: Tensor?
    ) throws -> (RecurrentForwardResult, GRUGradients) {
        var gradients = GRUParameters(zerosFor: parameters.configuration)
        return try parameters.values.withUnsafeBufferPointer { weights in
            let result = try layer.forward(
                input, initialState: initialState, lengths: lengths, weights: weights, dropout: dropout)
            let stateGradients = try gradients.values.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: outputGradient, finalStateGradient: finalStateGradient, weights: weights,
                    gradients: $0)
            }
            return (
                result,
                GRUGradients(
                    input: stateGradients.input, initialState: stateGradients.initialState, parameters: gradients)
            )
        }
    }
}

extension NaiveGRU {
    /// The twin with every mask the fast path drew into `trace`, and the layer's zoneout for
    /// inference's expectation.
    init(_ parameters: GRUParameters, regularizersOf trace: RecurrentTrace, zoneout: Float) {
        self.init(parameters, masksOf: trace)
        zoneoutMasks = trace.directions.map { $0.map { $0.zoneoutMask?.array().map(Double.init) } }
        weightDropMasks = trace.directions.map { $0.map { $0.weightDropMask?.array().map(Double.init) } }
        zoneoutExpectation =
            trace.directions[0][0].zoneoutMask == nil ? Double(trace.directions[0][0].zoneoutExpectation) : 0
    }
}
