import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import Testing

@testable import GRUInterop

/// Keras 3 models saved by Keras itself (Tools/Reference/make_keras_model_fixtures.py, in
/// Tests/Fixtures/keras-models): a token classifier (Embedding mask_zero, Bidirectional GRU), a
/// stacked reset-before feature tagger behind Masking, a Functional bidirectional reset-before
/// classifier and a mean-pooling forecaster. Each is imported with `KerasModelImport` and run by
/// `SequenceModel.forward` on the fixture's padded input with its lengths; the head's softmax
/// (or, for the forecaster, the head's output) must give Keras's `model.predict` within 1e-5
/// per element, at every valid step of the tagger.
@Suite(.tags(.reference))
struct KerasModelImportReferenceTests {
    static let fixtureDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/keras-models")

    /// A fixture's JSON: the padded batch-major inputs, the lengths and Keras's predictions.
    struct Fixture: Decodable {
        var inputs: [[AnyNumbers]]
        var lengths: [Int]
        var predictions: [[AnyNumbers]]
    }

    /// A number or a list of numbers: the innermost levels of (B, T) or (B, T, F) arrays.
    struct AnyNumbers: Decodable {
        var values: [Double]
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Double.self) {
                values = [value]
            } else {
                values = try container.decode([Double].self)
            }
        }
    }

    private func load(_ name: String) throws -> (ImportedModel, Fixture) {
        let url = Self.fixtureDirectory.appendingPathComponent(name + ".keras")
        let imported = try KerasModelImport(
            archive: KerasArchive.read(contentsOf: url), fileName: url.path, labels: nil
        ).importedModel()
        let fixture = try JSONDecoder().decode(
            Fixture.self, from: Data(contentsOf: Self.fixtureDirectory.appendingPathComponent(name + ".json")))
        return (imported, fixture)
    }

    /// The model's output for the fixture's inputs: softmax rows for softmax heads, in
    /// batch-major order: (B, C) per sequence or (B, T, C) per step, padded steps zero.
    private func run(_ imported: ImportedModel, _ fixture: Fixture, softmax: Bool) throws -> [Float] {
        let configuration = imported.model.configuration
        let examples = zip(fixture.inputs, fixture.lengths).map { steps, length in
            let valid = steps.prefix(length)
            let input: SequenceInput =
                configuration.vocabularySize != nil
                ? .tokens(valid.map { Int($0.values[0]) })
                : .features(valid.flatMap { $0.values.map(Float.init) }, featureCount: configuration.featureCount ?? 0)
            return SequenceExample(input: input, target: .none, source: "fixture")
        }
        let batch = SequenceBatch(examples: examples, exampleIndices: Array(examples.indices))
        let output = try imported.model.forward(batch).output
        let width = configuration.outputSize
        func row(_ index: Int) -> [Float] {
            let values = Array(output.scalars[(index * width)..<((index + 1) * width)])
            guard softmax else { return values }
            let largest = values.max() ?? 0
            let exponentials = values.map { Foundation.exp(Double($0 - largest)) }
            let sum = exponentials.reduce(0, +)
            return exponentials.map { Float($0 / sum) }
        }
        guard configuration.predictsEveryStep else { return (0..<batch.batchSize).flatMap(row) }
        var result: [Float] = []
        for sequence in 0..<batch.batchSize {
            for step in 0..<fixture.inputs[sequence].count {
                result +=
                    step < batch.lengths[sequence]
                    ? row(step * batch.batchSize + sequence) : [Float](repeating: 0, count: width)
            }
        }
        return result
    }

    /// Keras's predictions, batch-major, with the padded steps of a per-step output zeroed.
    private func expected(_ fixture: Fixture, everyStep: Bool) -> [Float] {
        guard everyStep else { return fixture.predictions.flatMap { $0.flatMap(\.values) }.map(Float.init) }
        return zip(fixture.predictions, fixture.lengths).flatMap { steps, length in
            steps.enumerated().flatMap { step, values in
                step < length ? values.values.map(Float.init) : [Float](repeating: 0, count: values.values.count)
            }
        }
    }

    @Test func tokenClassifierWithABidirectionalGRU() throws {
        let (imported, fixture) = try load("token_classifier")
        let configuration = imported.model.configuration
        #expect(configuration.task == .classify)
        #expect((configuration.vocabularySize, configuration.embeddingSize, configuration.hiddenSize) == (12, 5, 6))
        #expect(configuration.bidirectional && configuration.variant == .resetAfter)
        #expect(imported.schema.labels?.names == ["0", "1", "2"])
        #expect(imported.schema.vocabulary?.tokens.prefix(3) == ["<pad>", "<unk>", "2"])
        expectApproximatelyEqual(
            try run(imported, fixture, softmax: true), expected(fixture, everyStep: false), absoluteTolerance: 1e-5)
    }

    @Test func stackedResetBeforeTaggerBehindMasking() throws {
        let (imported, fixture) = try load("feature_tagger")
        let configuration = imported.model.configuration
        #expect(configuration.task == .tag)
        #expect((configuration.featureCount, configuration.layers, configuration.variant) == (4, 2, .resetBefore))
        expectApproximatelyEqual(
            try run(imported, fixture, softmax: true), expected(fixture, everyStep: true), absoluteTolerance: 1e-5)
    }

    @Test func functionalBidirectionalResetBeforeClassifier() throws {
        let (imported, fixture) = try load("feature_classifier_functional")
        let configuration = imported.model.configuration
        #expect(configuration.task == .classify)
        #expect(configuration.bidirectional && configuration.layers == 2 && configuration.variant == .resetBefore)
        #expect(configuration.outputDropout == 0.2)
        expectApproximatelyEqual(
            try run(imported, fixture, softmax: true), expected(fixture, everyStep: false), absoluteTolerance: 1e-5)
    }

    @Test func meanPoolingForecaster() throws {
        let (imported, fixture) = try load("feature_forecaster")
        let configuration = imported.model.configuration
        #expect(configuration.task == .forecast && configuration.pooling == .mean)
        #expect(imported.schema.targetNames == ["target1", "target2"])
        expectApproximatelyEqual(
            try run(imported, fixture, softmax: false), expected(fixture, everyStep: false), absoluteTolerance: 1e-5)
    }
}
