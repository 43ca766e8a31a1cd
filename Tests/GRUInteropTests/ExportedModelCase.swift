import GRUInterop
import GRUNetworks
import GRUTensor
import GRUTraining

/// A small sequence model with the manifest of its data, built from a seed: the models whose
/// ONNX export the tests check, and whose files Tests/Fixtures/onnx-models holds.
///
/// Between them the cases cover every task, token and feature input, both variants, stacked
/// and bidirectional GRUs, both poolings, and feature and target normalization with non-trivial
/// statistics; sizes differ from one another (F != H != C) so that a transposed weight shows.
struct ExportedModelCase: CustomStringConvertible, Sendable {
    /// The file name (without extension) under Tests/Fixtures/onnx-models.
    let name: String
    let configuration: ModelConfiguration
    let schema: DatasetSchema

    var description: String { name }

    /// The model, seeded by the case's name length so that cases differ.
    func model() throws -> SequenceModel {
        try SequenceModel(configuration: configuration, seed: UInt64(17 + name.count))
    }

    /// The manifest `gru train` would have written.
    var manifest: ModelDirectory.Manifest {
        var dataOptions = DataOptions()
        if configuration.task == .forecast {
            dataOptions.window = schema.window ?? 1
            dataOptions.horizon = schema.horizon ?? 1
        }
        return ModelDirectory.Manifest(
            model: configuration, training: TrainingOptions(), dataOptions: dataOptions, data: schema)
    }

    static let vocabulary = Vocabulary(tokens: ["<pad>", "<unk>", "the", "cat", "sat", "on", "mat"])!

    static let all: [ExportedModelCase] = [
        ExportedModelCase(
            name: "classify_features_mean_bi_l2_resetBefore",
            configuration: ModelConfiguration(
                task: .classify, featureCount: 3, hiddenSize: 4, layers: 2, bidirectional: true,
                variant: .resetBefore, outputSize: 3, pooling: .mean),
            schema: DatasetSchema(
                task: .classify, featureNames: ["a", "b", "c"],
                featureNormalization: FeatureNormalization(
                    means: [1.5, -2, 0.25], standardDeviations: [2, 0.5, 1.25]),
                labels: LabelSet(names: ["low", "mid", "high"]))),
        ExportedModelCase(
            name: "classify_tokens_last_bi",
            configuration: ModelConfiguration(
                task: .classify, vocabularySize: vocabulary.count, embeddingSize: 3, hiddenSize: 4,
                bidirectional: true, outputSize: 2),
            schema: DatasetSchema(
                task: .classify, vocabulary: vocabulary, tokenizer: .words, labels: LabelSet(names: ["neg", "pos"]))),
        ExportedModelCase(
            name: "tag_tokens_bi_l2",
            configuration: ModelConfiguration(
                task: .tag, vocabularySize: vocabulary.count, embeddingSize: 3, hiddenSize: 4, layers: 2,
                bidirectional: true, outputSize: 3),
            schema: DatasetSchema(
                task: .tag, vocabulary: vocabulary, labels: LabelSet(names: ["DET", "NOUN", "VERB"]))),
        ExportedModelCase(
            name: "forecast_features_last_resetBefore",
            configuration: ModelConfiguration(
                task: .forecast, featureCount: 2, hiddenSize: 3, variant: .resetBefore, outputSize: 4),
            schema: DatasetSchema(
                task: .forecast, featureNames: ["load", "temperature"],
                featureNormalization: FeatureNormalization(means: [100, 15], standardDeviations: [20, 3]),
                targetNames: ["load", "temperature"],
                targetNormalization: FeatureNormalization(means: [100, 15], standardDeviations: [20, 3]), window: 5,
                horizon: 2)),
        ExportedModelCase(
            name: "language_model_tokens",
            configuration: ModelConfiguration(
                task: .languageModel, vocabularySize: vocabulary.count, embeddingSize: 4, hiddenSize: 5,
                outputSize: vocabulary.count),
            schema: DatasetSchema(task: .languageModel, vocabulary: vocabulary, tokenizer: .characters)),
    ]
}
