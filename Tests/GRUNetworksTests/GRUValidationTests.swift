import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Every rejection of user input is a `GRUInputError` whose one line names the tensor, what
/// was expected and what was found.
@Suite(.tags(.unit))
struct GRUValidationTests {
    let gru = GRU(configuration: GRUConfiguration(inputSize: 3, hiddenSize: 4, layerCount: 2), seed: 1)
    let input = Tensor(shape: [5, 2, 3], repeating: 0.5)

    private func expectError(
        _ fragments: [String], _ body: () throws -> Void,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectInputError(fragments, sourceLocation: sourceLocation, body)
    }

    @Test func rejectsWrongInputShapes() {
        expectError(["input", "[5, 2, 4]", "(T, B, 3)"]) { _ = try gru.forward(Tensor(shape: [5, 2, 4])) }
        expectError(["input", "[5, 3]"]) { _ = try gru.forward(Tensor(shape: [5, 3])) }
        expectError(["input", "[0, 2, 3]", "T >= 1"]) { _ = try gru.forward(Tensor(shape: [0, 2, 3])) }
        expectError(["(B, T, 3)"]) { _ = try gru.forward(Tensor(shape: [2, 5, 1]), layout: .batchFirst) }
    }

    @Test func rejectsWrongInitialState() {
        expectError(["initial state", "[2, 2, 5]", "[2, 2, 4]"]) {
            _ = try gru.forward(input, initialState: Tensor(shape: [2, 2, 5]))
        }
    }

    @Test func rejectsLengthsOutOfRange() {
        expectError(["lengths: lengths[1] is 6; expected 1...5 (the sequence length T)"]) {
            _ = try gru.forward(input, lengths: [5, 6])
        }
        expectError(["lengths: lengths[0] is 0; expected 1...5"]) { _ = try gru.forward(input, lengths: [0, 1]) }
        expectError(["lengths: 3 entries; expected one per sequence, 2"]) {
            _ = try gru.forward(input, lengths: [1, 2, 3])
        }
    }

    @Test func rejectsNonFiniteValues() {
        var bad = input
        bad.scalars[7] = .nan
        expectError(["input: NaN or infinite values; expected finite values"]) { _ = try gru.forward(bad) }
        var infiniteState = Tensor(shape: [2, 2, 4])
        infiniteState.scalars[0] = .infinity
        expectError(["initial state: NaN or infinite values; expected finite values"]) {
            _ = try gru.forward(input, initialState: infiniteState)
        }
    }

    @Test func rejectsWrongGradientShapes() throws {
        let result = try gru.forward(input)
        expectError(["output gradient", "[5, 2, 3]", "[5, 2, 4]"]) {
            _ = try gru.backward(result, outputGradient: Tensor(shape: [5, 2, 3]))
        }
        expectError(["final state gradient", "[1, 2, 4]"]) {
            _ = try gru.backward(
                result, outputGradient: Tensor(shape: [5, 2, 4]), finalStateGradient: Tensor(shape: [1, 2, 4]))
        }
    }

    @Test func rejectsMissingExtraAndMisshapenWeights() {
        var named = Dictionary(
            uniqueKeysWithValues: PyTorchGRUNames.namedTensors(of: gru.parameters).map { ($0.name, $0.tensor) })
        #expect(throws: Never.self) { try PyTorchGRUNames.parameters(from: named, variant: .resetAfter) }

        var missing = named
        missing["bias_hh_l1"] = nil
        expectError(["bias_hh_l1: missing; expected shape [12] for a GRU with input size 3, hidden size 4, 2 layer(s)"])
        {
            _ = try PyTorchGRUNames.parameters(from: missing, variant: .resetAfter)
        }
        var extra = named
        extra["weight_ih_l0_reverse_typo"] = Tensor(shape: [1])
        expectError(["unexpected tensors: 'weight_ih_l0_reverse_typo'; expected only the tensors for a GRU with"]) {
            _ = try PyTorchGRUNames.parameters(from: extra, variant: .resetAfter)
        }
        // A foreign file's many names are cut short, not listed in a line of megabytes.
        let foreign = Dictionary(uniqueKeysWithValues: (0..<200_000).map { ("t\($0)", Tensor(shape: [1])) })
        expectError([
            "weight_hh_l0: missing; found 't0', 't1'", "(200000 in all); expected a PyTorch nn.GRU state_dict",
        ]) {
            do {
                _ = try PyTorchGRUNames.parameters(from: foreign, variant: .resetAfter)
            } catch let error as GRUInputError {
                #expect(error.description.count < 400)
                throw error
            }
        }
        named["weight_hh_l1"] = Tensor(shape: [12, 5])
        expectError(["weight_hh_l1: shape [12, 5]; expected [12, 4] for a GRU with"]) {
            _ = try PyTorchGRUNames.parameters(from: named, variant: .resetAfter)
        }
        expectError(["weight_hh_l0: missing; found no tensors; expected a PyTorch nn.GRU state_dict"]) {
            _ = try PyTorchGRUNames.parameters(from: [:], variant: .resetAfter)
        }
        expectError(["weight_hh_l0: shape [10, 4]; expected (3H, H) for a hidden size H"]) {
            _ = try PyTorchGRUNames.parameters(from: ["weight_hh_l0": Tensor(shape: [10, 4])], variant: .resetAfter)
        }
    }

    @Test func namedTensorsRoundTrip() throws {
        let named = Dictionary(
            uniqueKeysWithValues: PyTorchGRUNames.namedTensors(of: gru.parameters).map { ($0.name, $0.tensor) })
        #expect(
            named.keys.sorted() == [
                "bias_hh_l0", "bias_hh_l1", "bias_ih_l0", "bias_ih_l1",
                "weight_hh_l0", "weight_hh_l1", "weight_ih_l0", "weight_ih_l1",
            ])
        let loaded = try PyTorchGRUNames.parameters(from: named, variant: .resetAfter)
        #expect(loaded == gru.parameters)
    }
}
