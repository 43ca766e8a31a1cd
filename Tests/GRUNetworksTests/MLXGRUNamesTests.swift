import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// The mapping between GRUKit's PyTorch names and MLX's GRU names (`MLXGRUNames`): what moves
/// unchanged, what is folded, that the outputs stay the same, and what MLX cannot hold.
@Suite(.tags(.unit))
struct MLXGRUNamesTests {
    let gru = GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 4), seed: 7)

    func mlxTensors(_ gru: GRU) throws -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: try MLXGRUNames.namedTensors(of: gru.parameters).map { ($0.name, $0.tensor) })
    }

    func pytorch(_ parameters: GRUParameters, _ name: String) -> Tensor {
        parameters.tensor(for: parameters.slots.first { $0.name == name }!)
    }

    @Test func writesMLXNamesInOrderWithTheBiasesFolded() throws {
        let named = try MLXGRUNames.namedTensors(of: gru.parameters)
        #expect(named.map(\.name) == ["Wx", "Wh", "b", "bhn"])
        #expect(named.map(\.tensor.shape) == [[12, 3], [12, 4], [12], [4]])
        let parameters = gru.parameters
        #expect(named[0].tensor == pytorch(parameters, "weight_ih_l0"))
        #expect(named[1].tensor == pytorch(parameters, "weight_hh_l0"))
        let inputBias = pytorch(parameters, "bias_ih_l0").scalars
        let recurrentBias = pytorch(parameters, "bias_hh_l0").scalars
        let folded: [Float] = (0..<12).map { index in
            index < 8 ? inputBias[index] + recurrentBias[index] : inputBias[index]
        }
        #expect(named[2].tensor.scalars == folded)
        #expect(named[3].tensor.scalars == Array(recurrentBias[8...]))
    }

    /// GRUKit -> MLX -> GRUKit: the weights and b_hn come back as they were; b_ih + b_hh's r and
    /// z parts come back in b_ih, with zeros in b_hh; the outputs are the same.
    @Test func roundTripSumsTheResetAndUpdateBiasesAndKeepsTheOutputs() throws {
        let back = GRU(parameters: try MLXGRUNames.parameters(from: try mlxTensors(gru)))
        #expect(back.configuration == gru.configuration)
        for name in ["weight_ih_l0", "weight_hh_l0"] {
            #expect(pytorch(back.parameters, name) == pytorch(gru.parameters, name))
        }
        let recurrentBias = pytorch(back.parameters, "bias_hh_l0").scalars
        #expect(Array(recurrentBias[..<8]) == Array(repeating: 0, count: 8))
        #expect(Array(recurrentBias[8...]) == Array(pytorch(gru.parameters, "bias_hh_l0").scalars[8...]))
        #expect(back.parameters.values != gru.parameters.values, "the biases are folded, not copied")

        var random = RandomData(seed: 3)
        let input = random.tensor([6, 2, 3]), state = random.tensor([1, 2, 4], scale: 0.5)
        for initialState in [nil, state] {
            let expected = try gru.forward(input, initialState: initialState, lengths: [6, 4])
            let actual = try back.forward(input, initialState: initialState, lengths: [6, 4])
            expectApproximatelyEqual(actual.output, expected.output, absoluteTolerance: 1e-6, "output")
            expectApproximatelyEqual(actual.finalState, expected.finalState, absoluteTolerance: 1e-6, "final state")
        }
    }

    /// MLX -> GRUKit -> MLX is exact: nothing is left to fold the second time.
    @Test func mlxTensorsSurviveARoundTripBitForBit() throws {
        let tensors = try mlxTensors(gru)
        let again = try mlxTensors(GRU(parameters: try MLXGRUNames.parameters(from: tensors)))
        #expect(again == tensors)
    }

    @Test func aGRUWithoutBiasIsWxAndWhAlone() throws {
        let plain = GRU(configuration: GRUConfiguration(inputSize: 2, hiddenSize: 3, hasBias: false), seed: 1)
        let named = try MLXGRUNames.namedTensors(of: plain.parameters)
        #expect(named.map(\.name) == ["Wx", "Wh"])
        let back = try MLXGRUNames.parameters(
            from: Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.tensor) }))
        #expect(back == plain.parameters)
    }

    @Test func recognisesMLXNamesByTheirKeys() {
        #expect(MLXGRUNames.holdsMLXNames(["Wx", "Wh", "b", "bhn"]))
        #expect(MLXGRUNames.holdsMLXNames(["Wh"]))
        #expect(!MLXGRUNames.holdsMLXNames(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]))
    }

    @Test func refusesWhatMLXCannotHold() {
        let stacked = GRU(configuration: GRUConfiguration(inputSize: 2, hiddenSize: 3, layerCount: 2), seed: 1)
        expectInputError(
            message: "weight_ih_l1: 2 layers; expected one layer: MLX's GRU holds one unidirectional reset-after layer"
        ) {
            _ = try MLXGRUNames.namedTensors(of: stacked.parameters)
        }
        let bidirectional = GRU(
            configuration: GRUConfiguration(inputSize: 2, hiddenSize: 3, isBidirectional: true), seed: 1)
        expectInputError(["weight_ih_l0_reverse", "bidirectional", "one direction", "MLX's GRU holds"]) {
            _ = try MLXGRUNames.namedTensors(of: bidirectional.parameters)
        }
        let resetBefore = GRU(
            configuration: GRUConfiguration(inputSize: 2, hiddenSize: 3, variant: .resetBefore), seed: 1)
        expectInputError(["variant", "reset-before", "expected reset-after", "MLX's GRU holds"]) {
            _ = try MLXGRUNames.namedTensors(of: resetBefore.parameters)
        }
    }

    @Test func refusesMissingMisshapenAndForeignTensors() throws {
        let tensors = try mlxTensors(gru)
        func without(_ name: String) -> [String: Tensor] { tensors.filter { $0.key != name } }
        expectInputError(["variant", "reset-before", "expected reset-after"]) {
            _ = try MLXGRUNames.parameters(from: tensors, variant: .resetBefore)
        }
        expectInputError(
            message: "Wh: missing; expected shape (3H, H): MLX's GRU holds one unidirectional reset-after layer"
        ) {
            _ = try MLXGRUNames.parameters(from: without("Wh"))
        }
        expectInputError(message: "Wx: missing; expected shape (3H, I) = (12, I)") {
            _ = try MLXGRUNames.parameters(from: without("Wx"))
        }
        expectInputError(["bhn", "missing", "shape [4]", "input size 3, hidden size 4"]) {
            _ = try MLXGRUNames.parameters(from: without("bhn"))
        }
        expectInputError(["b:", "missing", "shape [12]"]) {
            _ = try MLXGRUNames.parameters(from: without("b"))
        }
        var changed = tensors
        // Wx as (I, 3H), the transpose of MLX's layout.
        changed["Wx"] = Tensor(shape: [3, 12], repeating: 0.1)
        expectInputError(message: "Wx: shape [3, 12]; expected (3H, I) = (12, I)") {
            _ = try MLXGRUNames.parameters(from: changed)
        }
        changed = tensors
        changed["Wh"] = Tensor(shape: [4, 12], repeating: 0.1)
        expectInputError(message: "Wh: shape [4, 12]; expected (3H, H) for a hidden size H") {
            _ = try MLXGRUNames.parameters(from: changed)
        }
        changed = tensors
        changed["bhn"] = Tensor(shape: [12], repeating: 0.1)
        expectInputError(["bhn", "shape [12]", "expected [4]"]) { _ = try MLXGRUNames.parameters(from: changed) }
        changed = tensors
        changed["Wh_reverse"] = Tensor(shape: [12, 4], repeating: 0.1)
        expectInputError(["unexpected tensors", "Wh_reverse", "MLX GRU"]) {
            _ = try MLXGRUNames.parameters(from: changed)
        }
        changed = tensors
        changed["b"] = Tensor(shape: [12], repeating: .nan)
        expectInputError(["b:", "NaN"]) { _ = try MLXGRUNames.parameters(from: changed) }
    }
}
