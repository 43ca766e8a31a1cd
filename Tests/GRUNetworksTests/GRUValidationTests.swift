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

    private func expectError(_ fragments: [String], _ body: () throws -> Void,
                             sourceLocation: SourceLocation = #_sourceLocation) {
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
        expectError(["lengths[1] is 6", "1...5"]) { _ = try gru.forward(input, lengths: [5, 6]) }
        expectError(["lengths[0] is 0"]) { _ = try gru.forward(input, lengths: [0, 1]) }
        expectError(["lengths has 3 entries", "2"]) { _ = try gru.forward(input, lengths: [1, 2, 3]) }
    }

    @Test func rejectsNonFiniteValues() {
        var bad = input
        bad.scalars[7] = .nan
        expectError(["input", "NaN"]) { _ = try gru.forward(bad) }
        var infiniteState = Tensor(shape: [2, 2, 4])
        infiniteState.scalars[0] = .infinity
        expectError(["initial state", "NaN or infinite"]) { _ = try gru.forward(input, initialState: infiniteState) }
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
        var named = Dictionary(uniqueKeysWithValues: PyTorchGRUNames.namedTensors(of: gru.parameters).map { ($0.name, $0.tensor) })
        #expect(throws: Never.self) { try PyTorchGRUNames.parameters(from: named, variant: .resetAfter) }

        var missing = named
        missing["bias_hh_l1"] = nil
        expectError(["missing tensor 'bias_hh_l1'", "[12]"]) {
            _ = try PyTorchGRUNames.parameters(from: missing, variant: .resetAfter)
        }
        var extra = named
        extra["weight_ih_l0_reverse_typo"] = Tensor(shape: [1])
        expectError(["unexpected tensors", "'weight_ih_l0_reverse_typo'"]) {
            _ = try PyTorchGRUNames.parameters(from: extra, variant: .resetAfter)
        }
        // A foreign file's many names are cut short, not listed in a line of megabytes.
        let foreign = Dictionary(uniqueKeysWithValues: (0..<200_000).map { ("t\($0)", Tensor(shape: [1])) })
        expectError(["missing tensor 'weight_hh_l0'", "'t0', 't1'", "(200000 in all)"]) {
            do {
                _ = try PyTorchGRUNames.parameters(from: foreign, variant: .resetAfter)
            } catch let error as GRUInputError {
                #expect(error.description.count < 400)
                throw error
            }
        }
        named["weight_hh_l1"] = Tensor(shape: [12, 5])
        expectError(["tensor 'weight_hh_l1' has shape [12, 5]", "expected [12, 4]"]) {
            _ = try PyTorchGRUNames.parameters(from: named, variant: .resetAfter)
        }
        expectError(["missing tensor 'weight_hh_l0'"]) {
            _ = try PyTorchGRUNames.parameters(from: [:], variant: .resetAfter)
        }
        expectError(["'weight_hh_l0' has shape [10, 4]", "(3H, H)"]) {
            _ = try PyTorchGRUNames.parameters(from: ["weight_hh_l0": Tensor(shape: [10, 4])], variant: .resetAfter)
        }
    }

    @Test func namedTensorsRoundTrip() throws {
        let named = Dictionary(uniqueKeysWithValues: PyTorchGRUNames.namedTensors(of: gru.parameters).map { ($0.name, $0.tensor) })
        #expect(named.keys.sorted() == [
            "bias_hh_l0", "bias_hh_l1", "bias_ih_l0", "bias_ih_l1",
            "weight_hh_l0", "weight_hh_l1", "weight_ih_l0", "weight_ih_l1",
        ])
        let loaded = try PyTorchGRUNames.parameters(from: named, variant: .resetAfter)
        #expect(loaded == gru.parameters)
    }
}
