import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import Testing

@testable import GRUInterop

/// GRUKit -> .keras -> GRUKit: every parameter comes back bit for bit (reset-before biases too,
/// from the metadata, while Keras's summed bias is unchanged) and so does the whole manifest;
/// a file edited in Keras keeps Keras's weights.
@Suite(.tags(.unit))
struct KerasModelRoundTripTests {
    private func manifest(_ model: ModelConfiguration, _ schema: DatasetSchema) -> ModelDirectory.Manifest {
        var training = TrainingOptions()
        training.batchSize = 7
        training.learningRate = 0.0123
        var data = DataOptions()
        data.task = model.task
        return ModelDirectory.Manifest(model: model, training: training, dataOptions: data, data: schema)
    }

    private func roundTrip(_ manifest: ModelDirectory.Manifest, seed: UInt64) throws -> (SequenceModel, ImportedModel) {
        let model = try SequenceModel(configuration: manifest.model, seed: seed)
        let archive = try KerasModelExport.archive(of: model, manifest: manifest)
        let read = try KerasArchive(data: archive.data(), name: "model.keras")
        let imported = try KerasModelImport(archive: read, fileName: "model.keras", labels: nil).importedModel()
        return (model, imported)
    }

    static let models: [ModelConfiguration] = [
        ModelConfiguration(
            task: .classify, vocabularySize: 9, embeddingSize: 4, hiddenSize: 5, layers: 2, bidirectional: true,
            outputSize: 3, outputDropout: 0.3),
        ModelConfiguration(
            task: .tag, featureCount: 3, hiddenSize: 4, layers: 2, variant: .resetBefore, outputSize: 2),
        ModelConfiguration(
            task: .forecast, featureCount: 2, hiddenSize: 3, bidirectional: true, variant: .resetBefore,
            outputSize: 4, pooling: .mean, inputDropout: 0.1),
        ModelConfiguration(task: .languageModel, vocabularySize: 6, embeddingSize: 3, hiddenSize: 4, outputSize: 6),
        ModelConfiguration(
            task: .classify, featureCount: 3, hiddenSize: 4, layers: 2, bidirectional: true, activation: .relu,
            recurrentActivation: .hardSigmoid, outputSize: 2),
        ModelConfiguration(
            task: .forecast, featureCount: 2, hiddenSize: 3, variant: .resetBefore, activation: .linear,
            recurrentActivation: .sigmoid, outputSize: 4),
    ]

    private func schema(for model: ModelConfiguration) -> DatasetSchema {
        var schema = DatasetSchema(task: model.task)
        if let size = model.vocabularySize {
            schema.vocabulary = Vocabulary(tokens: ["<pad>", "<unk>"] + (2..<size).map { "t\($0)" })
        } else {
            let count = model.featureCount ?? 0
            schema.featureNames = (0..<count).map { "f\($0)" }
            schema.featureNormalization = FeatureNormalization(
                means: (0..<count).map { Float($0) * 0.37 - 1 }, standardDeviations: (0..<count).map { 0.1 + Float($0) }
            )
        }
        switch model.task {
        case .classify, .tag: schema.labels = LabelSet(names: (0..<model.outputSize).map { "c\($0)" })
        case .forecast:
            schema.targetNames = ["f0", "f1"]
            schema.targetNormalization = FeatureNormalization(means: [100, -3], standardDeviations: [12.5, 0.3])
            schema.window = 6
            schema.horizon = 2
        case .languageModel, .seq2seq: break
        }
        return schema
    }

    @Test(arguments: 0..<models.count)
    func parametersAndManifestComeBackExactly(_ index: Int) throws {
        let configuration = Self.models[index]
        let original = manifest(configuration, schema(for: configuration))
        let (model, imported) = try roundTrip(original, seed: UInt64(index) + 11)
        #expect(imported.manifest == original)
        #expect(imported.schema == original.data)
        #expect(imported.model.configuration == configuration)
        #expect(imported.model.parameters.map(\.bitPattern) == model.parameters.map(\.bitPattern))
    }

    @Test func aResetBeforeBiasChangedInKerasIsTakenAsKerasHasIt() throws {
        let configuration = Self.models[1]
        let original = manifest(configuration, schema(for: configuration))
        let model = try SequenceModel(configuration: configuration, seed: 5)
        var archive = try KerasModelExport.archive(of: model, manifest: original)
        let path = "layers/gru/cell/vars/2"
        var bias = try #require(archive.weights.tensors[path])
        bias.scalars[0] += 1
        archive.weights.tensors[path] = bias
        let imported = try KerasModelImport(archive: archive, fileName: "m.keras", labels: nil).importedModel()
        let tensors = Dictionary(imported.model.namedTensors.map { ($0.name, $0.tensor) }) { first, _ in first }
        let exported = Dictionary(model.namedTensors.map { ($0.name, $0.tensor) }) { first, _ in first }
        // Keras's first bias column is z's first unit, GRUKit's row H (gates r, z, n; H = 4).
        var expected = zip(exported["gru.bias_ih_l0"]!.scalars, exported["gru.bias_hh_l0"]!.scalars).map { $0 + $1 }
        expected[4] += 1
        #expect(tensors["gru.bias_ih_l0"]?.scalars == expected)
        #expect(tensors["gru.bias_hh_l0"]?.scalars.allSatisfy { $0 == 0 } == true)
        // The layer Keras did not touch keeps GRUKit's two biases.
        #expect(tensors["gru.bias_ih_l1"] == exported["gru.bias_ih_l1"])
        #expect(tensors["gru.bias_hh_l1"] == exported["gru.bias_hh_l1"])
    }

    @Test func metadataKeepsKerasKeys() throws {
        let configuration = Self.models[0]
        let model = try SequenceModel(configuration: configuration, seed: 1)
        let archive = try KerasModelExport.archive(
            of: model, manifest: manifest(configuration, schema(for: configuration)),
            date: Date(timeIntervalSince1970: 1_790_000_000))
        let object = try #require(try JSONSerialization.jsonObject(with: archive.metadata) as? [String: Any])
        #expect(object["keras_version"] as? String == "3.15.1")
        #expect(object["date_saved"] as? String == "2026-09-21@14:13:20")
        #expect(object["grukit"] is [String: Any])
    }

    @Test func aManifestUnlikeTheLayersIsRefused() throws {
        let configuration = Self.models[0]
        var recorded = manifest(configuration, schema(for: configuration))
        let model = try SequenceModel(configuration: configuration, seed: 1)
        let archive = try KerasModelExport.archive(of: model, manifest: recorded)
        recorded.model.hiddenSize = 6
        var edited = archive
        edited.metadata = try KerasModelMetadata(
            kerasVersion: "3.15.1", dateSaved: nil, grukit: .init(manifest: recorded, gruBiases: nil)
        ).json()
        #expect(
            throws: GRUInputError(
                .setting("metadata.json"), found: "a grukit manifest unlike the layers in config.json",
                expected: "the model GRUKit exported (remove the grukit key to import the layers as they are)"
            ).located(in: "m.keras")
        ) {
            try KerasModelImport(archive: edited, fileName: "m.keras", labels: nil).importedModel()
        }
    }
}
