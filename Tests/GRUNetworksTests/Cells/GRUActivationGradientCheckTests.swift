import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUNetworks

/// The GRU's general path (activations other than tanh and sigmoid): central differences in
/// Double through `NaiveGRU` against backward, with every regularizer of the shared sweep;
/// the general path forced on tanh and sigmoid against the fused kernels; steps shared across
/// threads against one thread; and `GRUInferenceSession` against `GRU.forward`.
@Suite(.tags(.unit))
struct GRUActivationGradientCheckTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var variant: GRUVariant
        var activation: RecurrentActivation
        var recurrentActivation: RecurrentActivation
        var layers = 1
        var bidirectional = false
        var lengths: [Int]? = nil
        var dropout: GRUDropout? = nil
        func configuration(inputSize: Int, hiddenSize: Int) -> GRUConfiguration {
            GRUConfiguration(
                inputSize: inputSize, hiddenSize: hiddenSize, layerCount: layers, isBidirectional: bidirectional,
                variant: variant, activation: activation, recurrentActivation: recurrentActivation)
        }
        var testDescription: String {
            "\(variant.rawValue) \(activation.kerasName)/\(recurrentActivation.kerasName) L\(layers)"
                + "\(bidirectional ? " bi" : "")\(lengths.map { " lengths \($0)" } ?? "")"
                + (dropout.map { " dropout \($0.betweenLayers)/\($0.recurrent)/\($0.zoneout)/\($0.weightDrop)" } ?? "")
        }
    }

    static let cases: [Case] = GRUVariant.allCases.flatMap { variant in
        [
            Case(variant: variant, activation: .relu, recurrentActivation: .hardSigmoid),
            Case(
                variant: variant, activation: .linear, recurrentActivation: .sigmoid, layers: 2, bidirectional: true,
                lengths: [4, 2, 1]),
            Case(
                variant: variant, activation: .tanh, recurrentActivation: .hardSigmoid, layers: 2, bidirectional: true,
                lengths: [2, 4, 3],
                dropout: GRUDropout(betweenLayers: 0.3, recurrent: 0.4, zoneout: 0.3, weightDrop: 0.4, seed: 8)),
            Case(
                variant: variant, activation: .sigmoid, recurrentActivation: .tanh,
                dropout: GRUDropout(recurrent: 0.3, zoneout: 0.25, seed: 9)),
        ]
    }

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let steps = 4, batch = 3, inputSize = 3, hidden = 4
        let configuration = testCase.configuration(inputSize: inputSize, hiddenSize: hidden)
        let gru = GRU(configuration: configuration, initialization: .pytorch, seed: 7)
        #expect(!gru.layer.cell.usesFusedKernels)
        var random = RandomData(seed: 11)
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([configuration.stateCount, batch, hidden])
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalStateGradient = random.tensor([configuration.stateCount, batch, hidden])
        let (result, gradients) = try RegularizerGradientCheckTests.run(
            gru.layer, gru.parameters, input: input, initialState: initialState, lengths: testCase.lengths,
            dropout: testCase.dropout, outputGradient: outputGradient, finalStateGradient: finalStateGradient)

        let naive = NaiveGRU(gru.parameters, regularizersOf: result.trace, zoneout: 0)
        let x = input.scalars.map(Double.init), h0 = initialState.scalars.map(Double.init)
        let dY = outputGradient.scalars.map(Double.init), dHN = finalStateGradient.scalars.map(Double.init)
        func loss(parameters: [Double], input: [Double], initialState: [Double]) -> Double {
            var perturbed = naive
            perturbed.parameters = parameters
            let (y, hn) = perturbed.forward(
                input: input, steps: steps, batch: batch, initialState: initialState, lengths: testCase.lengths)
            return zip(y, dY).map(*).reduce(0, +) + zip(hn, dHN).map(*).reduce(0, +)
        }
        let (output, finalState) = naive.forward(
            input: x, steps: steps, batch: batch, initialState: h0, lengths: testCase.lengths)
        expectApproximatelyEqual(result.output.scalars, output, absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(result.finalState.scalars, finalState, absoluteTolerance: 1e-5, "final state")
        let p = naive.parameters
        expectApproximatelyEqual(
            gradients.parameters.values, centralDifferences(p) { loss(parameters: $0, input: x, initialState: h0) },
            absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "parameter gradients")
        expectApproximatelyEqual(
            gradients.input.scalars, centralDifferences(x) { loss(parameters: p, input: $0, initialState: h0) },
            absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "input gradient")
        expectApproximatelyEqual(
            gradients.initialState.scalars, centralDifferences(h0) { loss(parameters: p, input: x, initialState: $0) },
            absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "initial state gradient")
    }

    /// Everything one layer computes, forward and backward, with every regularizer and lengths,
    /// in `parts` threads: 2 rows share steps by units (barriers between passes), 17 by rows.
    static func run(
        _ layer: GRULayer, _ parameters: GRUParameters, batch: Int, parts: Int
    ) throws -> [(String, [Float])] {
        let steps = 4, config = parameters.configuration
        var random = RandomData(seed: 13)
        let input = random.tensor([steps, batch, config.inputSize])
        let initialState = random.tensor([config.stateCount, batch, config.hiddenSize])
        let outputGradient = random.tensor([steps, batch, config.outputSize])
        let finalStateGradient = random.tensor([config.stateCount, batch, config.hiddenSize])
        let lengths = (0..<batch).map { steps - $0 % 3 }
        let dropout = GRUDropout(betweenLayers: 0.2, recurrent: 0.3, zoneout: 0.2, weightDrop: 0.3, seed: 21)
        let (result, gradients) = try ThreadTeam.withParts(parts) {
            try RegularizerGradientCheckTests.run(
                layer, parameters, input: input, initialState: initialState, lengths: lengths, dropout: dropout,
                outputGradient: outputGradient, finalStateGradient: finalStateGradient)
        }
        return [
            ("output", result.output.scalars), ("final state", result.finalState.scalars),
            ("parameter gradients", gradients.parameters.values), ("input gradient", gradients.input.scalars),
            ("initial state gradient", gradients.initialState.scalars),
        ]
    }

    static let sharings: [(GRUVariant, Int, Int)] = GRUVariant.allCases.flatMap { [($0, 2, 3), ($0, 17, 2)] }

    /// The general path given tanh and sigmoid computes what the fused kernels compute.
    @Test(arguments: sharings)
    func generalPathMatchesTheFusedKernels(variant: GRUVariant, batch: Int, parts: Int) throws {
        let configuration = GRUConfiguration(
            inputSize: 3, hiddenSize: 136, layerCount: 2, isBidirectional: true, variant: variant)
        let gru = GRU(configuration: configuration, seed: 5)
        let general = GRULayer(configuration, cell: GRUCell(variant: variant, forcesGeneralPath: true))
        #expect(gru.layer.cell.usesFusedKernels && !general.cell.usesFusedKernels)
        let fused = try Self.run(gru.layer, gru.parameters, batch: batch, parts: parts)
        let other = try Self.run(general, gru.parameters, batch: batch, parts: parts)
        for ((name, expected), (_, actual)) in zip(fused, other) {
            expectApproximatelyEqual(
                actual, expected, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "\(name), general against fused")
        }
    }

    /// Other activations in threads give what one thread gives.
    @Test(arguments: sharings)
    func stepsSharedAcrossThreadsMatchOneThread(variant: GRUVariant, batch: Int, parts: Int) throws {
        let configuration = GRUConfiguration(
            inputSize: 3, hiddenSize: 136, layerCount: 2, isBidirectional: true, variant: variant,
            activation: .relu, recurrentActivation: .hardSigmoid)
        let gru = GRU(configuration: configuration, seed: 5)
        let shared = try Self.run(gru.layer, gru.parameters, batch: batch, parts: parts)
        let single = try Self.run(gru.layer, gru.parameters, batch: batch, parts: 1)
        for ((name, expected), (_, actual)) in zip(single, shared) {
            expectApproximatelyEqual(
                actual, expected, absoluteTolerance: 1e-5, relativeTolerance: 1e-4, "\(name), shared against one part")
        }
    }

    /// The inference session honours the activations, in `run` and in streaming steps.
    @Test(arguments: GRUVariant.allCases)
    func inferenceSessionHonoursTheActivations(_ variant: GRUVariant) throws {
        let configuration = GRUConfiguration(
            inputSize: 3, hiddenSize: 5, layerCount: 2, variant: variant, activation: .relu,
            recurrentActivation: .hardSigmoid)
        let gru = GRU(configuration: configuration, seed: 3)
        var random = RandomData(seed: 4)
        let input = random.tensor([4, 2, 3]), initialState = random.tensor([2, 2, 5])
        let expected = try gru.forward(input, initialState: initialState, lengths: [4, 3])
        let session = GRUInferenceSession(gru)
        let (output, finalState) = try session.run(input, initialState: initialState, lengths: [4, 3])
        expectApproximatelyEqual(output, expected.output, absoluteTolerance: 0, "session output")
        expectApproximatelyEqual(finalState, expected.finalState, absoluteTolerance: 0, "session final state")

        var state = [Float](repeating: 0, count: 2 * 5)
        for t in 0..<4 {
            try session.step(Array(input.scalars[(t * 6)..<(t * 6 + 3)]), state: &state)
        }
        let direct = try gru.forward(
            Tensor(shape: [4, 1, 3], scalars: (0..<4).flatMap { Array(input.scalars[($0 * 6)..<($0 * 6 + 3)]) }))
        expectApproximatelyEqual(state, direct.finalState.scalars, absoluteTolerance: 1e-6, "streamed state")
    }
}
