import GRUNetworks
import GRUTensor
import GRUTestSupport
import Testing

/// Embedding against PyTorch's nn.Embedding with padding_idx (layers.safetensors, from
/// Tools/Reference/make_training_fixtures.py).
@Suite(.tags(.reference))
struct EmbeddingReferenceTests {
    @Test func matchesPyTorch() throws {
        let fixture = try TrainingFixture("layers")
        let weight = try fixture.tensor("embedding", "weight")
        let ids = try fixture.tensor("embedding", "ids")
        let layer = Embedding(vocabularySize: 7, dimension: 3, paddingIndex: 0)
        #expect(layer.slot(named: "weight")?.shape == weight.shape)
        let (result, gradients) = try withSlices(weight.scalars) { w, g in
            let result = try layer.forward(ids.scalars.map { Int($0) }, shape: ids.shape, weights: w)
            layer.backward(result, outputGradient: try fixture.tensor("embedding", "grad_output"), gradients: g)
            return result
        }
        expectApproximatelyEqual(
            result.output, try fixture.tensor("embedding", "output"), absoluteTolerance: 0, "output")
        expectApproximatelyEqual(
            gradients, try fixture.tensor("embedding", "grad.weight").scalars.map(Double.init),
            absoluteTolerance: 1e-6, "weight gradient")
    }
}

/// Embedding: finite differences, errors and initialization.
@Suite(.tags(.unit))
struct EmbeddingTests {
    @Test func backwardMatchesFiniteDifferencesExceptThePaddingRow() throws {
        let layer = Embedding(vocabularySize: 5, dimension: 2, paddingIndex: 3)
        let ids = [1, 3, 4, 1, 0, 3]
        var random = RandomData(seed: 8)
        let weights = random.tensor([5, 2]).scalars
        let outputGradient = random.tensor([2, 3, 2])
        let (result, gradients) = try withSlices(weights) { w, g in
            let result = try layer.forward(ids, shape: [2, 3], weights: w)
            layer.backward(result, outputGradient: outputGradient, gradients: g)
            return result
        }
        #expect(result.output.shape == [2, 3, 2])
        var expected = finiteDifferenceGradients(parameters: weights, input: [], outputGradient: outputGradient) {
            theta, _ in
            ids.flatMap { theta[($0 * 2)..<($0 * 2 + 2)] }
        }.parameters
        expected.replaceSubrange(6..<8, with: [0, 0])  // padding_idx: no gradient
        expectApproximatelyEqual(gradients, expected, absoluteTolerance: 1e-6, "weight gradient")
    }

    @Test func idsOutsideTheVocabularyAreRejected() {
        let layer = Embedding(vocabularySize: 4, dimension: 2)
        let weights = [Float](repeating: 0, count: 8)
        expectInputError(message: "token ids: id 4 at position 2; expected ids in the vocabulary 0..<4") {
            try weights.withUnsafeBufferPointer { _ = try layer.forward([0, 3, 4], weights: $0) }
        }
        #expect(throws: GRUInputError.self) {
            try weights.withUnsafeBufferPointer { _ = try layer.forward([-1], weights: $0) }
        }
    }

    @Test(arguments: GRUInitialization.allCases)
    func initializationZeroesThePaddingRow(_ scheme: GRUInitialization) {
        let layer = Embedding(vocabularySize: 200, dimension: 10, paddingIndex: 7)
        let values = initializedSlice(count: layer.parameterCount, seed: 1) {
            layer.initialize($0, using: &$1, as: scheme)
        }
        #expect(values[70..<80].allSatisfy { $0 == 0 })
        #expect(values.filter { $0 == 0 }.count == 10)
        let mean = values.reduce(0, +) / Float(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
        switch scheme {
        case .pytorch:
            #expect(abs(mean) < 0.1 && abs(deviation - 1) < 0.1, "N(0, 1): mean \(mean), deviation \(deviation)")
        case .keras:
            #expect(values.allSatisfy { abs($0) <= 0.05 } && values.contains { abs($0) > 0.045 })
        }
    }
}
