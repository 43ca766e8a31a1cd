import Foundation
import GRUNetworks
import GRUTensor
import GRUTestSupport
import GRUTraining
import Testing

@testable import GRUInterop

/// The config.json mapping of Keras models: the layers an export writes for each kind of
/// GRUKit model, the weight paths Keras 3 gives them, and the one-line errors for what GRUKit
/// cannot compute. Expected names and paths are those Keras 3.15.1 wrote for the models of
/// Tools/Reference/make_keras_model_fixtures.py (and `keras.src.utils.naming.to_snake_case`).
@Suite(.tags(.unit))
struct KerasModelConfigTests {
    // MARK: - Names

    @Test func snakeCaseIsKerasNaming() {
        let expected = [
            "GRU": "gru", "GlobalAveragePooling1D": "global_average_pooling1d", "Bidirectional": "bidirectional",
            "InputLayer": "input_layer", "Dense": "dense", "Normalization": "normalization",
        ]
        for (className, name) in expected { #expect(KerasModelConfig.snakeCase(className) == name) }
    }

    @Test func weightPathsNumberLayersOfOneClassInOrder() {
        let gru = KerasGRUSettings(units: 6, resetAfter: false, returnSequences: true)
        let config = KerasModelConfig(
            layers: [
                .init(name: "in", layer: .input(featureCount: 4)), .init(name: "m", layer: .masking(value: 0)),
                .init(name: "a", layer: .gru(gru)), .init(name: "b", layer: .gru(gru)),
                .init(name: "c", layer: .bidirectional(gru)), .init(name: "d", layer: .bidirectional(gru)),
                .init(name: "e", layer: .dense(units: 3, activation: "softmax", useBias: true)),
            ])
        #expect(
            config.weightPaths == [
                nil, "layers/masking", "layers/gru", "layers/gru_1", "layers/bidirectional", "layers/bidirectional_1",
                "layers/dense",
            ])
    }

    // MARK: - Export

    private func manifest(_ model: ModelConfiguration, _ data: DatasetSchema) -> ModelDirectory.Manifest {
        ModelDirectory.Manifest(model: model, training: TrainingOptions(), dataOptions: DataOptions(), data: data)
    }

    @Test func aTokenClassifierIsEmbeddingBidirectionalGRUsAndASoftmax() {
        let model = ModelConfiguration(
            task: .classify, vocabularySize: 9, embeddingSize: 4, hiddenSize: 5, layers: 2, bidirectional: true,
            outputSize: 3)
        let config = KerasModelExport.modelConfig(manifest(model, DatasetSchema(task: .classify)))
        let last = KerasGRUSettings(units: 5, resetAfter: true, returnSequences: false)
        var below = last
        below.returnSequences = true
        #expect(
            config.layers.map(\.layer) == [
                .input(featureCount: nil), .embedding(vocabularySize: 9, dimension: 4, maskZero: true),
                .bidirectional(below), .bidirectional(last), .dense(units: 3, activation: "softmax", useBias: true),
            ])
        #expect(config.layers.map(\.name) == ["input_layer", "embedding", "bidirectional", "bidirectional_1", "dense"])
    }

    @Test func aForecasterNormalizesAndDenormalizesInsideTheModel() throws {
        let model = ModelConfiguration(
            task: .forecast, featureCount: 2, hiddenSize: 3, variant: .resetBefore, outputSize: 4, pooling: .mean,
            inputDropout: 0.25, outputDropout: 0.5)
        var schema = DatasetSchema(task: .forecast)
        schema.featureNormalization = FeatureNormalization(means: [1, -2], standardDeviations: [3, 0.1])
        schema.targetNormalization = FeatureNormalization(means: [10, 20], standardDeviations: [2, 0.3])
        let config = KerasModelExport.modelConfig(manifest(model, schema))
        let gru = KerasGRUSettings(units: 3, resetAfter: false, returnSequences: true)
        // Keras divides by sqrt(variance): the variance is the float32 square of the deviation.
        let deviation: Float = 0.1
        let target: Float = 0.3
        #expect(
            config.layers.map(\.layer) == [
                .input(featureCount: 2), .masking(value: 0),
                .normalization(mean: [1, -2], variance: [9, deviation * deviation], invert: false),
                .dropout(rate: 0.25), .gru(gru), .globalAveragePooling, .dropout(rate: 0.5),
                .dense(units: 4, activation: "linear", useBias: true),
                .normalization(
                    mean: [10, 20, 10, 20], variance: [4, target * target, 4, target * target], invert: true),
            ])
        // The float32 square root of the float32 square is the deviation again.
        #expect((deviation * deviation).squareRoot() == deviation)
        #expect((target * target).squareRoot() == target)
    }

    @Test func aTaggerKeepsEveryStep() {
        let model = ModelConfiguration(task: .tag, featureCount: 3, hiddenSize: 4, layers: 2, outputSize: 5)
        let config = KerasModelExport.modelConfig(manifest(model, DatasetSchema(task: .tag)))
        let gru = KerasGRUSettings(units: 4, resetAfter: true, returnSequences: true)
        #expect(
            config.layers.map(\.layer) == [
                .input(featureCount: 3), .masking(value: 0), .gru(gru), .gru(gru),
                .dense(units: 5, activation: "softmax", useBias: true),
            ])
    }

    @Test func writtenConfigReadsBackAsTheSameLayers() throws {
        let model = ModelConfiguration(
            task: .forecast, featureCount: 2, hiddenSize: 3, layers: 2, bidirectional: true, outputSize: 2,
            inputDropout: 0.1)
        var schema = DatasetSchema(task: .forecast)
        schema.featureNormalization = FeatureNormalization(means: [0.1, 0.2], standardDeviations: [0.7, 1.3])
        schema.targetNormalization = FeatureNormalization(means: [5], standardDeviations: [0.9])
        let config = KerasModelExport.modelConfig(manifest(model, schema))
        let read = try KerasModelConfig(json: config.json(name: "m"))
        #expect(read == config)
    }

    // MARK: - Import structure

    private static let gruKernel = Tensor(shape: [3, 12])

    /// A Sequential config.json of the given layer entries (class name and config).
    private func sequential(_ layers: [(String, [String: Any])]) throws -> KerasModelConfig {
        let entries = layers.map { ["class_name": $0.0, "config": $0.1] as [String: Any] }
        let json: [String: Any] = ["class_name": "Sequential", "config": ["name": "s", "layers": entries]]
        return try KerasModelConfig(json: JSONSerialization.data(withJSONObject: json))
    }

    private func structure(
        _ layers: [(String, [String: Any])], task: SequenceTask? = nil, weights: [String: Tensor]? = nil
    ) throws -> KerasModelImport.Structure {
        try KerasModelImport.structure(
            of: sequential(layers),
            weights: weights ?? [
                "layers/gru/cell/vars/0": Self.gruKernel,
                "layers/bidirectional/forward_layer/cell/vars/0": Self.gruKernel,
            ],
            task: task)
    }

    private let input: (String, [String: Any]) = (
        "InputLayer", ["name": "in", "batch_shape": [NSNull(), NSNull(), 3]]
    )
    private let masking: (String, [String: Any]) = ("Masking", ["name": "masking", "mask_value": 0.0])
    private func gru(
        _ name: String = "gru", units: Int = 4, returnSequences: Bool = false, _ extra: [String: Any] = [:]
    )
        -> (String, [String: Any])
    {
        ("GRU", ["name": name, "units": units, "return_sequences": returnSequences].merging(extra) { $1 })
    }
    private func dense(_ activation: String = "softmax", units: Int = 2) -> (String, [String: Any]) {
        ("Dense", ["name": "dense", "units": units, "activation": activation])
    }

    @Test func aSoftmaxAfterTheLastStateClassifies() throws {
        let read = try structure([input, masking, gru(), ("Dropout", ["name": "d", "rate": 0.3]), dense()])
        #expect(read.configuration.task == .classify)
        #expect(read.configuration.featureCount == 3)
        #expect(read.configuration.pooling == .lastState)
        #expect(read.configuration.outputDropout == 0.3)
    }

    @Test func aLinearDenseAfterPoolingForecasts() throws {
        let read = try structure([
            input, masking, gru(returnSequences: true), ("GlobalAveragePooling1D", ["name": "p"]), dense("linear"),
        ])
        #expect(read.configuration.task == .forecast)
        #expect(read.configuration.pooling == .mean)
    }

    @Test func aLinearDenseOnTheLastStateClassifiesWhenAsked() throws {
        let layers = [input, masking, gru(), dense("linear", units: 3)]
        #expect(try structure(layers).configuration.task == .forecast)
        #expect(try structure(layers, task: .classify).configuration.task == .classify)
        #expect(throws: GRUInputError.self) { try structure(layers, task: .tag) }
    }

    @Test func everyStepTagsUnlessALanguageModelIsAskedFor() throws {
        let tokens: [(String, [String: Any])] = [
            ("Embedding", ["name": "e", "input_dim": 7, "output_dim": 3, "mask_zero": true]),
            gru(returnSequences: true, ["reset_after": false]), dense(units: 7),
        ]
        #expect(try structure(tokens).configuration.task == .tag)
        let languageModel = try structure(tokens, task: .languageModel).configuration
        #expect(languageModel.task == .languageModel)
        #expect(languageModel.variant == .resetBefore)
        #expect(languageModel.vocabularySize == 7)
    }

    @Test func whatGRUKitCannotComputeIsOneLineNamingTheLayer() {
        let cases: [([(String, [String: Any])], String)] = [
            (
                [input, ("LSTM", ["name": "lstm"]), dense()],
                "layer 'lstm' (LSTM): expected one of \(KerasLayer.readableClasses)"
            ),
            (
                [input, gru(), dense("sigmoid")],
                "layer 'dense' (Dense): activation sigmoid; expected softmax (classes) or linear (forecasts, logits): GRUKit's heads end in a softmax or nothing"
            ),
            (
                [input, gru("g", ["activation": "softsign"]), dense()],
                "layer 'g' (GRU): activation softsign; expected activation one of tanh, relu, sigmoid, hard_sigmoid, linear"
            ),
            (
                [input, gru("g", ["go_backwards": true]), dense()],
                "layer 'g' (GRU): go_backwards true outside a Bidirectional wrapper; expected go_backwards false"
            ),
            (
                [
                    input,
                    (
                        "Bidirectional",
                        ["name": "b", "merge_mode": "sum", "layer": ["class_name": "GRU", "config": [:]]]
                    ), dense(),
                ],
                "layer 'b' (Bidirectional): merge_mode sum; expected concat"
            ),
            (
                [input, gru("a", units: 4, returnSequences: true), gru("b", units: 5), dense()],
                "layer 'b' (GRU): units 5; expected units 4, as every layer of a GRUKit stack"
            ),
            (
                [input, ("Embedding", ["name": "e", "input_dim": 7, "output_dim": 3]), gru(), dense()],
                "layer 'e' (Embedding): mask_zero false; expected mask_zero true: GRUKit pads token ids with 0 and never runs padded steps"
            ),
            (
                [input, ("Masking", ["name": "m", "mask_value": -1.0]), gru(), dense()],
                "layer 'm' (Masking): mask_value -1.0; expected mask_value 0, GRUKit's padding"
            ),
        ]
        for (layers, message) in cases {
            do {
                _ = try structure(layers)
                Issue.record("no error; expected \(message)")
            } catch {
                #expect("\(error)" == message)
                #expect(!"\(error)".contains("\n"))
            }
        }
    }

    @Test func aFunctionalChainLeavesOutKerasMaskOperations() throws {
        func tensor(_ source: String) -> [String: Any] {
            ["class_name": "__keras_tensor__", "config": ["keras_history": [source, 0, 0]]]
        }
        func node(
            _ className: String, _ name: String, module: String = "keras.layers", inputs: [String], mask: String? = nil,
            config: [String: Any] = [:]
        ) -> [String: Any] {
            var kwargs: [String: Any] = [:]
            if let mask { kwargs["mask"] = tensor(mask) }
            return [
                "module": module, "class_name": className, "name": name,
                "config": config.merging(["name": name]) { $1 },
                "inbound_nodes": inputs.map { ["args": [tensor($0)], "kwargs": kwargs] },
            ]
        }
        let layers: [[String: Any]] = [
            node("InputLayer", "features", inputs: [], config: ["batch_shape": [NSNull(), NSNull(), 3]]),
            node("NotEqual", "not_equal", module: "keras.src.ops.numpy", inputs: ["features"]),
            node("Masking", "masking", inputs: ["features"]),
            node("Any", "any", module: "keras.src.ops.numpy", inputs: ["not_equal"]),
            node("GRU", "gru", inputs: ["masking"], mask: "any", config: ["units": 4]),
            node("Dense", "dense", inputs: ["gru"], config: ["units": 2, "activation": "softmax"]),
        ]
        let json: [String: Any] = [
            "class_name": "Functional",
            "config": ["layers": layers, "input_layers": [["features", 0, 0]], "output_layers": [["dense", 0, 0]]],
        ]
        let config = try KerasModelConfig(json: JSONSerialization.data(withJSONObject: json))
        #expect(config.layers.map(\.name) == ["features", "masking", "gru", "dense"])
        #expect(config.weightPaths == [nil, "layers/masking", "layers/gru", "layers/dense"])
    }
}
