import GRUTensor
import GRUTestSupport
import Testing

@testable import GRUNetworks

/// `LayerNormGRULayer` against its Double twin `NaiveLayerNormGRU`: backward against central
/// finite differences of the twin, for the loss L = sum(output * dY) + sum(finalState * dHN);
/// forward and backward under forced thread counts (steps, and the whole-sequence normalization
/// passes, shared by rows); the layout and the gains' initialization.
@Suite(.tags(.unit))
struct LayerNormGRUTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var layers = 1
        var bidirectional = false
        var bias = true
        var lengths: [Int]? = nil
        var testDescription: String {
            "L\(layers)\(bidirectional ? " bi" : "")\(bias ? "" : " no-bias")"
                + "\(lengths.map { " lengths \($0)" } ?? "")"
        }
    }

    static let cases: [Case] = [
        Case(),
        Case(layers: 2, bidirectional: true, lengths: [4, 2, 1]),
        Case(bias: false),
        Case(layers: 2, lengths: [3, 4, 1]),
    ]

    /// Parameters of the PyTorch scheme with gains drawn in [0.5, 1.5], so that they matter.
    static func parameters(of layer: LayerNormGRULayer, seed: UInt64) -> [Float] {
        var parameters = [Float](repeating: 0, count: layer.layout.count)
        var generator = SeededGenerator(seed: seed)
        parameters.withUnsafeMutableBufferPointer { layer.initialize($0, using: &generator, as: .pytorch) }
        for slot in layer.parameterSlots where slot.name.hasPrefix(LayerNormGRUCell.gainNameStem) {
            for i in slot.range { parameters[i] = generator.uniform(0.5, 1.5) }
        }
        return parameters
    }

    /// Forward, then backward of dY and dHN: output, final state, and the gradients of the
    /// parameters, input and initial state.
    static func run(
        _ layer: LayerNormGRULayer, parameters: [Float], input: Tensor, initialState: Tensor, lengths: [Int]?,
        outputGradient: Tensor, finalStateGradient: Tensor
    ) throws -> (RecurrentForwardResult, [Float], RecurrentStateGradients) {
        var gradients = [Float](repeating: 0, count: layer.layout.count)
        return try parameters.withUnsafeBufferPointer { weights in
            let result = try layer.forward(input, initialState: initialState, lengths: lengths, weights: weights)
            let stateGradients = try gradients.withUnsafeMutableBufferPointer {
                try layer.backward(
                    result, outputGradient: outputGradient, finalStateGradient: finalStateGradient, weights: weights,
                    gradients: $0)
            }
            return (result, gradients, stateGradients)
        }
    }

    @Test(arguments: cases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let steps = 4, batch = 3, inputSize = 3, hidden = 4
        let configuration = LayerNormGRUConfiguration(
            inputSize: inputSize, hiddenSize: hidden, layerCount: testCase.layers,
            isBidirectional: testCase.bidirectional, hasBias: testCase.bias)
        let layer = LayerNormGRULayer(configuration)
        let parameters = Self.parameters(of: layer, seed: 7)
        var random = RandomData(seed: 11)
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([configuration.stateCount, batch, hidden])
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalStateGradient = random.tensor([configuration.stateCount, batch, hidden])
        let (result, gradients, stateGradients) = try Self.run(
            layer, parameters: parameters, input: input, initialState: initialState, lengths: testCase.lengths,
            outputGradient: outputGradient, finalStateGradient: finalStateGradient)

        let naive = NaiveLayerNormGRU(configuration, parameters: parameters.map(Double.init))
        let x = input.scalars.map(Double.init), h0 = initialState.scalars.map(Double.init)
        let dY = outputGradient.scalars.map(Double.init), dHN = finalStateGradient.scalars.map(Double.init)
        let (y, hn) = naive.forward(input: x, steps: steps, batch: batch, initialState: h0, lengths: testCase.lengths)
        expectApproximatelyEqual(result.output.scalars, y, absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(result.finalState.scalars, hn, absoluteTolerance: 1e-5, "final state")
        func loss(parameters: [Double], input: [Double], initialState: [Double]) -> Double {
            var perturbed = naive
            perturbed.parameters = parameters
            let (y, hn) = perturbed.forward(
                input: input, steps: steps, batch: batch, initialState: initialState, lengths: testCase.lengths)
            return zip(y, dY).map(*).reduce(0, +) + zip(hn, dHN).map(*).reduce(0, +)
        }
        let expectedParameters = centralDifferences(naive.parameters) {
            loss(parameters: $0, input: x, initialState: h0)
        }
        let expectedInput = centralDifferences(x) { loss(parameters: naive.parameters, input: $0, initialState: h0) }
        let expectedInitialState = centralDifferences(h0) {
            loss(parameters: naive.parameters, input: x, initialState: $0)
        }
        for slot in layer.parameterSlots {
            expectApproximatelyEqual(
                Array(gradients[slot.range]), Array(expectedParameters[slot.range]), absoluteTolerance: 1e-5,
                relativeTolerance: 1e-4, "gradient of \(slot.name)")
        }
        expectApproximatelyEqual(
            stateGradients.input.scalars, expectedInput, absoluteTolerance: 1e-5, relativeTolerance: 1e-4,
            "input gradient")
        expectApproximatelyEqual(
            stateGradients.initialState.scalars, expectedInitialState, absoluteTolerance: 1e-5,
            relativeTolerance: 1e-4, "initial state gradient")
    }

    /// Batches that `StepSharing` splits by rows under the forced part counts (8 rows a part or
    /// more), and one it keeps on one thread: forward against the twin, and every gradient
    /// against the same layer's on one thread.
    @Test(arguments: [(17, 2), (24, 3), (5, 3)])
    func stepsSharedAcrossThreadsMatchTheTwinAndOneThread(batch: Int, parts: Int) throws {
        let steps = 3, inputSize = 5, hidden = 40
        let configuration = LayerNormGRUConfiguration(
            inputSize: inputSize, hiddenSize: hidden, layerCount: 2, isBidirectional: true)
        let layer = LayerNormGRULayer(configuration)
        let parameters = Self.parameters(of: layer, seed: 3)
        var random = RandomData(seed: 5)
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([configuration.stateCount, batch, hidden])
        let outputGradient = random.tensor([steps, batch, configuration.outputSize])
        let finalStateGradient = random.tensor([configuration.stateCount, batch, hidden])
        let lengths = (0..<batch).map { steps - $0 % 3 }
        let run = {
            try Self.run(
                layer, parameters: parameters, input: input, initialState: initialState, lengths: lengths,
                outputGradient: outputGradient, finalStateGradient: finalStateGradient)
        }
        let (single, singleGradients, singleStates) = try ThreadTeam.withParts(1, run)
        let (shared, sharedGradients, sharedStates) = try ThreadTeam.withParts(parts) {
            #expect(ThreadTeam.defaultParts == parts)
            return try run()
        }

        let naive = NaiveLayerNormGRU(configuration, parameters: parameters.map(Double.init))
        let (y, hn) = naive.forward(
            input: input.scalars.map(Double.init), steps: steps, batch: batch,
            initialState: initialState.scalars.map(Double.init), lengths: lengths)
        expectApproximatelyEqual(shared.output.scalars, y, absoluteTolerance: 1e-5, "output")
        expectApproximatelyEqual(shared.finalState.scalars, hn, absoluteTolerance: 1e-5, "final state")
        expectApproximatelyEqual(shared.output, single.output, absoluteTolerance: 1e-6, "output, one thread")
        expectApproximatelyEqual(
            sharedGradients, singleGradients, absoluteTolerance: 1e-6, relativeTolerance: 1e-5, "parameter gradients")
        expectApproximatelyEqual(
            sharedStates.input, singleStates.input, absoluteTolerance: 1e-6, relativeTolerance: 1e-5, "input gradient")
        expectApproximatelyEqual(
            sharedStates.initialState, singleStates.initialState, absoluteTolerance: 1e-6, relativeTolerance: 1e-5,
            "initial state gradient")
    }

    /// A sequence long enough that the whole-sequence normalization passes (the input
    /// projection's forward, both normalizations' backward and the gains' gradients) are shared
    /// by rows across the team: every result against the same layer's on one thread.
    @Test func wholeSequencePassesSharedAcrossThreadsMatchOneThread() throws {
        let steps = 24, batch = 16, inputSize = 8, hidden = 128
        let configuration = LayerNormGRUConfiguration(inputSize: inputSize, hiddenSize: hidden)
        let layer = LayerNormGRULayer(configuration)
        let parameters = Self.parameters(of: layer, seed: 13)
        var random = RandomData(seed: 17)
        let input = random.tensor([steps, batch, inputSize])
        let initialState = random.tensor([1, batch, hidden])
        let outputGradient = random.tensor([steps, batch, hidden])
        let finalStateGradient = random.tensor([1, batch, hidden])
        let lengths = (0..<batch).map { steps - $0 % 5 }
        let run = {
            try Self.run(
                layer, parameters: parameters, input: input, initialState: initialState, lengths: lengths,
                outputGradient: outputGradient, finalStateGradient: finalStateGradient)
        }
        let (single, singleGradients, singleStates) = try ThreadTeam.withParts(1, run)
        let (shared, sharedGradients, sharedStates) = try ThreadTeam.withParts(2, run)
        expectApproximatelyEqual(shared.output, single.output, absoluteTolerance: 1e-6, "output")
        for slot in layer.parameterSlots {
            expectApproximatelyEqual(
                Array(sharedGradients[slot.range]), Array(singleGradients[slot.range]), absoluteTolerance: 1e-5,
                relativeTolerance: 1e-5, "gradient of \(slot.name)")
        }
        // 24 steps of float sums in another order (the products split by rows): 1e-5 absolute.
        expectApproximatelyEqual(
            sharedStates.input, singleStates.input, absoluteTolerance: 1e-5, relativeTolerance: 1e-5, "input gradient")
        expectApproximatelyEqual(
            sharedStates.initialState, singleStates.initialState, absoluteTolerance: 1e-5, relativeTolerance: 1e-5,
            "initial state gradient")
    }

    @Test func theLayoutAddsOneGainTensorPerLayerAndDirection() {
        let configuration = LayerNormGRUConfiguration(
            inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true)
        let layer = LayerNormGRULayer(configuration)
        let gru = GRULayer(
            GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2, isBidirectional: true))
        #expect(gru.layout.extraParameters.isEmpty)
        #expect(gru.layout.slots.map(\.name).allSatisfy { !$0.contains("gamma") })
        #expect(layer.layout.count == gru.layout.count + 4 * 2 * 12)
        #expect(
            layer.parameterSlots.prefix(5).map(\.name) == [
                "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "layer_norm_gamma_l0",
            ])
        #expect(
            layer.layout.slot(extra: "layer_norm_gamma", layer: 1, direction: 1)?.name == "layer_norm_gamma_l1_reverse")
        #expect(layer.layout.slot(extra: "layer_norm_gamma", layer: 0, direction: 0)?.shape == [2, 12])
    }

    @Test(arguments: [GRUInitialization.pytorch, .keras])
    func gainsStartAtOne(_ scheme: GRUInitialization) {
        let layer = LayerNormGRULayer(LayerNormGRUConfiguration(inputSize: 3, hiddenSize: 4, isBidirectional: true))
        var parameters = [Float](repeating: .nan, count: layer.layout.count)
        var generator = SeededGenerator(seed: 1)
        parameters.withUnsafeMutableBufferPointer { layer.initialize($0, using: &generator, as: scheme) }
        #expect(parameters.allSatisfy { $0.isFinite })
        for slot in layer.parameterSlots where slot.name.hasPrefix("layer_norm_gamma") {
            #expect(parameters[slot.range].allSatisfy { $0 == 1 }, "\(slot.name)")
        }
    }
}
