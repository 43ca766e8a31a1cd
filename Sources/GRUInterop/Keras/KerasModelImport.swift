import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// A Keras 3 .keras archive as a GRUKit model: the chain of layers `KerasModelExport` writes,
/// and the Keras models of the same shape:
///
///     InputLayer? -> (Embedding(mask_zero=True) | Masking(0)? -> Normalization?)
///       -> Dropout* -> (GRU | Bidirectional(GRU, concat)) x L, Dropout* between
///       -> GlobalAveragePooling1D? -> Dropout* -> Dense(softmax | linear) -> Normalization(invert)?
///
/// The task: a Dense after the last state or the pooled mean classifies (softmax) or forecasts
/// (linear); after every step it tags, or, when asked for and the Dense has one output per
/// token of the Embedding, it is a language model. A softmax head is GRUKit's head before its
/// softmax; a linear one at every step is read as tag logits. A file GRUKit wrote is read with
/// its manifest (see `KerasModelMetadata`); otherwise labels come from `labels` or are "0",
/// "1", ..., tokens are named by their ids ("<pad>", "<unk>", "2", ...), features `feature1`
/// ..., forecast targets `target1` ... with horizon 1 and a window of `defaultWindow` steps.
///
/// A feature model without Masking is read as one with it: GRUKit never runs padded steps,
/// which equals Keras's results on sequences of equal length, the only ones such a model is
/// right for.
struct KerasModelImport {
    /// The archive.
    var archive: KerasArchive
    /// The archive's path, for messages.
    var fileName: String
    /// Class names for a file whose metadata has none.
    var labels: [String]?
    /// The task, when the layers alone leave it open (a language model reads like a tagger).
    var task: SequenceTask?

    /// The window of a forecast model from a file that does not record it.
    static let defaultWindow = 24

    /// The model and its data schema.
    ///
    /// - Throws: `GRUInputError` naming the file and the layer, its class and what GRUKit
    ///   cannot compute; or a weight that is missing or misshapen.
    func importedModel() throws -> ImportedModel {
        do {
            return try readModel()
        } catch let error as GRUInputError {
            throw error.located(in: fileName)
        }
    }

    /// What the chain of layers says, before weights.
    struct Structure {
        var configuration: ModelConfiguration
        var featureNormalization: FeatureNormalization?
        var targetNormalization: FeatureNormalization?
        /// The weight path of the Embedding, of each GRU layer (with its layer) and of the Dense.
        var embeddingPath: String?
        var gruPaths: [(path: String, layer: KerasLayer)]
        var densePath: String
        var denseUsesBias: Bool
    }

    private func readModel() throws -> ImportedModel {
        let config = try KerasModelConfig(json: archive.config)
        let metadata = try KerasModelMetadata(json: archive.metadata)
        let structure = try Self.structure(
            of: config, weights: archive.weights.tensors, task: task ?? metadata.grukit?.manifest.model.task)
        var tensors = try weights(of: structure)
        if let record = metadata.grukit {
            let manifest = record.manifest
            try Self.check(manifest.model, agreesWith: structure.configuration)
            if manifest.model.variant == .resetBefore, let biases = record.gruBiases {
                restoreBiases(biases, into: &tensors)
            }
            let model = try SequenceModel(configuration: manifest.model, namedTensors: tensors)
            return ImportedModel(model: model, schema: manifest.data, manifest: manifest)
        }
        let model = try SequenceModel(configuration: structure.configuration, namedTensors: tensors)
        return ImportedModel(model: model, schema: try schema(for: structure))
    }

    // MARK: - Layers to a configuration

    /// Reads the chain of layers as a GRUKit model (see the type's documentation).
    static func structure(
        of config: KerasModelConfig, weights: [String: Tensor], task requestedTask: SequenceTask?
    ) throws -> Structure {
        var layers = Array(zip(config.layers, config.weightPaths))
        if case .input = layers.first?.0.layer { layers.removeFirst() }
        var index = 0
        func describe(_ named: KerasModelConfig.NamedLayer) -> String {
            "layer '\(named.name)' (\(named.layer.className))"
        }
        func unexpected(_ named: KerasModelConfig.NamedLayer, where place: String, expected: String) -> GRUInputError {
            GRUInputError(.setting(describe(named)), found: place, expected: expected)
        }
        func skipDropouts() -> Float {
            var rate: Float = 0
            while index < layers.count, case .dropout(let value) = layers[index].0.layer {
                rate = value
                index += 1
            }
            return rate
        }

        // Input: tokens or features.
        var vocabularySize: Int?
        var embeddingSize: Int?
        var embeddingPath: String?
        var featureNormalization: FeatureNormalization?
        if index < layers.count, case .embedding(let size, let dimension, let maskZero) = layers[index].0.layer {
            guard maskZero else {
                throw unexpected(
                    layers[index].0, where: "mask_zero false",
                    expected: "mask_zero true: GRUKit pads token ids with 0 and never runs padded steps")
            }
            (vocabularySize, embeddingSize, embeddingPath) = (size, dimension, layers[index].1)
            index += 1
        } else {
            if index < layers.count, case .masking(let value) = layers[index].0.layer {
                guard value == 0 else {
                    throw unexpected(
                        layers[index].0, where: "mask_value \(value)", expected: "mask_value 0, GRUKit's padding")
                }
                index += 1
            }
            if index < layers.count, case .normalization(let mean, let variance, let invert) = layers[index].0.layer {
                guard !invert else {
                    throw unexpected(layers[index].0, where: "invert true before the GRUs", expected: "invert false")
                }
                featureNormalization = try standardization(
                    mean: mean, variance: variance, layer: describe(layers[index].0))
                index += 1
            }
        }
        let inputDropout = skipDropouts()

        // The GRU stack, Dropout allowed between its layers.
        var gruPaths: [(path: String, layer: KerasLayer)] = []
        var stack: [(settings: KerasGRUSettings, isBidirectional: Bool, named: KerasModelConfig.NamedLayer)] = []
        var layerDropout: Float = 0
        while index < layers.count {
            let (named, path) = layers[index]
            switch named.layer {
            case .gru(let settings): stack.append((settings, false, named))
            case .bidirectional(let settings): stack.append((settings, true, named))
            default: break
            }
            guard stack.count > gruPaths.count, let path else { break }
            gruPaths.append((path, named.layer))
            index += 1
            let save = index
            let rate = skipDropouts()
            if index < layers.count, case .gru = layers[index].0.layer {
                layerDropout = rate
            } else if index < layers.count, case .bidirectional = layers[index].0.layer {
                layerDropout = rate
            } else {
                index = save
            }
        }
        guard let first = stack.first, let last = stack.last else {
            let found = index < layers.count ? describe(layers[index].0) : "no GRU"
            throw GRUInputError(
                .setting("the model"), found: found,
                expected: "a GRU or Bidirectional(GRU) after the input (layers: \(KerasLayer.readableClasses))")
        }
        for (position, layer) in stack.enumerated() {
            let isLast = position == stack.count - 1
            if layer.isBidirectional != first.isBidirectional {
                throw unexpected(
                    layer.named,
                    where: layer.isBidirectional
                        ? "bidirectional after unidirectional GRUs" : "unidirectional after bidirectional GRUs",
                    expected: "every layer of the stack bidirectional or none")
            }
            if layer.settings.units != first.settings.units {
                throw unexpected(
                    layer.named, where: "units \(layer.settings.units)",
                    expected: "units \(first.settings.units), as every layer of a GRUKit stack")
            }
            if layer.settings.resetAfter != first.settings.resetAfter {
                throw unexpected(
                    layer.named, where: "reset_after \(layer.settings.resetAfter)",
                    expected: "reset_after \(first.settings.resetAfter), as every layer of a GRUKit stack")
            }
            if layer.settings.activation != first.settings.activation
                || layer.settings.recurrentActivation != first.settings.recurrentActivation
            {
                let found = layer.settings, wanted = first.settings
                throw unexpected(
                    layer.named,
                    where: "activation \(found.activation.kerasName), "
                        + "recurrent_activation \(found.recurrentActivation.kerasName)",
                    expected: "activation \(wanted.activation.kerasName), recurrent_activation "
                        + "\(wanted.recurrentActivation.kerasName), as every layer of a GRUKit stack")
            }
            if !isLast && !layer.settings.returnSequences {
                throw unexpected(
                    layer.named, where: "return_sequences false below another GRU",
                    expected: "return_sequences true, every step feeding the next layer")
            }
        }

        // Pooling and head.
        var pooling = SequencePooling.Mode.lastState
        var everyStep = last.settings.returnSequences
        if index < layers.count, case .globalAveragePooling = layers[index].0.layer {
            guard everyStep else {
                throw unexpected(
                    layers[index].0, where: "after a GRU with return_sequences false",
                    expected: "a GRU with return_sequences true before it")
            }
            pooling = .mean
            everyStep = false
            index += 1
        }
        let outputDropout = skipDropouts()
        guard index < layers.count, case .dense(let units, let activation, let useBias) = layers[index].0.layer,
            let densePath = layers[index].1
        else {
            let found = index < layers.count ? "\(describe(layers[index].0)) after the GRUs" : "nothing after the GRUs"
            throw GRUInputError(
                .setting("the model"), found: found, expected: "a Dense head (after GlobalAveragePooling1D or Dropout)")
        }
        let dense = layers[index].0
        index += 1
        var targetNormalization: FeatureNormalization?
        if index < layers.count, case .normalization(let mean, let variance, let invert) = layers[index].0.layer {
            guard invert, activation == "linear", !everyStep else {
                throw unexpected(
                    layers[index].0, where: "after the Dense head",
                    expected: "Normalization(invert=True) after a linear Dense that forecasts")
            }
            guard mean.count == units else {
                throw unexpected(
                    layers[index].0, where: "\(mean.count) means", expected: "\(units), one per Dense output")
            }
            targetNormalization = try standardization(mean: mean, variance: variance, layer: describe(layers[index].0))
            index += 1
        }
        if index < layers.count {
            throw unexpected(
                layers[index].0, where: "after the head",
                expected: "nothing after Dense (or its Normalization(invert=True))")
        }

        // The task.
        let task: SequenceTask
        switch (everyStep, requestedTask) {
        case (true, .languageModel?):
            guard let vocabularySize, vocabularySize == units, !first.isBidirectional else {
                throw unexpected(
                    dense,
                    where:
                        "units \(units)\(vocabularySize == nil ? " over features" : "")\(first.isBidirectional ? " after bidirectional GRUs" : "")",
                    expected: "a language model: a unidirectional GRU over an Embedding, one Dense output per token")
            }
            task = .languageModel
        case (true, nil), (true, .tag?): task = .tag
        case (false, nil): task = activation == "softmax" ? .classify : .forecast
        case (false, .classify?): task = .classify
        case (false, .forecast?):
            guard activation == "linear" else {
                throw unexpected(dense, where: "activation softmax", expected: "a linear Dense for a forecast")
            }
            task = .forecast
        case (true, let other?), (false, let other?):
            throw unexpected(
                dense, where: everyStep ? "a head at every step" : "a head on one summary of the sequence",
                expected: "a model for \(other.rawValue)")
        }
        if task == .forecast && activation == "softmax" {
            throw unexpected(dense, where: "activation softmax", expected: "linear for a forecast")
        }
        if task != .forecast && targetNormalization != nil {
            throw unexpected(
                dense, where: "a Normalization(invert=True) after it", expected: "none for \(task.rawValue)")
        }

        let inputSize = try kernelRows(of: gruPaths[0], weights: weights)
        let configuration = ModelConfiguration(
            task: task, vocabularySize: vocabularySize, embeddingSize: embeddingSize,
            featureCount: vocabularySize == nil ? inputSize : nil, hiddenSize: first.settings.units,
            layers: stack.count, bidirectional: first.isBidirectional, variant: first.settings.variant,
            activation: first.settings.activation, recurrentActivation: first.settings.recurrentActivation,
            outputSize: units, pooling: pooling, inputDropout: inputDropout, layerDropout: layerDropout,
            outputDropout: outputDropout)
        if let embeddingSize, embeddingSize != inputSize {
            throw unexpected(
                stack[0].named, where: "an input kernel of \(inputSize) rows",
                expected: "\(embeddingSize), the Embedding's output_dim")
        }
        if let featureNormalization, featureNormalization.featureCount != inputSize {
            throw GRUInputError(
                .setting("layer Normalization"), found: "\(featureNormalization.featureCount) means",
                expected: "\(inputSize), the GRU's input features")
        }
        try configuration.validate()
        return Structure(
            configuration: configuration, featureNormalization: featureNormalization,
            targetNormalization: targetNormalization, embeddingPath: embeddingPath, gruPaths: gruPaths,
            densePath: densePath, denseUsesBias: useBias)
    }

    /// The standardization Keras's Normalization computes: deviation max(sqrt(variance), 1e-7).
    private static func standardization(mean: [Float], variance: [Float], layer: String) throws -> FeatureNormalization
    {
        guard mean.allSatisfy(\.isFinite), variance.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw GRUInputError(
                .setting(layer), found: "a mean or variance that is negative or not finite",
                expected: "finite means and variances >= 0")
        }
        return FeatureNormalization(means: mean, standardDeviations: variance.map { max($0.squareRoot(), 1e-7) })
    }

    /// I, the rows of the first GRU's input kernel (I, 3H).
    private static func kernelRows(of gru: (path: String, layer: KerasLayer), weights: [String: Tensor]) throws -> Int {
        let name = gru.path + (gru.layer.className == "Bidirectional" ? "/forward_layer" : "") + "/cell/vars/0"
        guard let kernel = weights[name], kernel.rank == 2 else {
            throw GRUInputError(.tensor(name), found: "missing or not a matrix", expected: "the GRU's kernel (I, 3H)")
        }
        return kernel.shape[0]
    }

    // MARK: - Weights

    /// GRUKit's named tensors (`embedding.weight`, `gru.weight_ih_l0`, `head.weight` ...) from
    /// the archive's.
    private func weights(of structure: Structure) throws -> [String: Tensor] {
        let stored = archive.weights.tensors
        let configuration = structure.configuration
        func tensor(_ name: String, shape: [Int], role: String) throws -> Tensor {
            guard let tensor = stored[name] else {
                throw GRUInputError(.tensor(name), found: "missing from model.weights.h5", expected: role)
            }
            guard tensor.shape == shape else {
                throw GRUInputError(.tensor(name), found: "shape \(tensor.shape)", expected: "\(shape), \(role)")
            }
            return tensor
        }
        var result: [String: Tensor] = [:]
        if let path = structure.embeddingPath, let size = configuration.vocabularySize {
            result["embedding.weight"] = try tensor(
                path + "/vars/0", shape: [size, configuration.embeddingSize ?? 0],
                role: "the Embedding's embeddings (V, E)")
        }
        result.merge(try KerasGRUWeights.gruTensors(from: archive.weights, name: fileName + ": model.weights.h5")) {
            $1
        }
        let width = configuration.hiddenSize * (configuration.bidirectional ? 2 : 1)
        let kernel = try tensor(
            structure.densePath + "/vars/0", shape: [width, configuration.outputSize], role: "the Dense kernel (D*H, C)"
        )
        result["head.weight"] = kernel.swappingFirstTwoAxes()  // (C, D*H)
        result["head.bias"] =
            structure.denseUsesBias
            ? try tensor(structure.densePath + "/vars/1", shape: [configuration.outputSize], role: "the Dense bias (C)")
            : Tensor(shape: [configuration.outputSize])
        return result
    }

    /// GRUKit's two reset-before biases from the export's metadata, while Keras's single bias
    /// in the archive is still their sum (else the archive's, all in `bias_ih`, are kept).
    private func restoreBiases(_ biases: [String: [Float]], into tensors: inout [String: Tensor]) {
        for (name, tensor) in tensors where name.hasPrefix("gru.bias_ih") {
            let partner = name.replacingOccurrences(of: "bias_ih", with: "bias_hh")
            guard let input = biases[name], let recurrent = biases[partner], input.count == tensor.count,
                recurrent.count == tensor.count, zip(input, recurrent).map({ $0 + $1 }) == tensor.scalars
            else { continue }
            tensors[name] = Tensor(shape: tensor.shape, scalars: input)
            tensors[partner] = Tensor(shape: tensor.shape, scalars: recurrent)
        }
    }

    // MARK: - Schema

    /// The schema of a model from a file without GRUKit's metadata.
    private func schema(for structure: Structure) throws -> DatasetSchema {
        let configuration = structure.configuration
        var schema = DatasetSchema(task: configuration.task)
        if let size = configuration.vocabularySize {
            schema.vocabulary = Vocabulary(
                tokens: [Vocabulary.paddingToken, Vocabulary.unknownToken] + (2..<max(size, 2)).map(String.init))
        } else {
            schema.featureNames = (1...(configuration.featureCount ?? 1)).map { "feature\($0)" }
            schema.featureNormalization = structure.featureNormalization
        }
        switch configuration.task {
        case .classify, .tag:
            let names = labels ?? (0..<configuration.outputSize).map(String.init)
            guard names.count == configuration.outputSize, let set = LabelSet(names: names) else {
                throw GRUInputError(
                    .setting("--labels"),
                    found: "\(names.count) names\(Set(names).count < names.count ? " with repeats" : "")",
                    expected: "\(configuration.outputSize) distinct names, one per output of the model")
            }
            schema.labels = set
        case .forecast:
            schema.targetNames = (1...configuration.outputSize).map { "target\($0)" }
            schema.targetNormalization = structure.targetNormalization
            schema.window = Self.defaultWindow
            schema.horizon = 1
        case .languageModel, .seq2seq:  // a Keras model's task is never seq2seq here
            break
        }
        if labels != nil && schema.labels == nil {
            throw GRUInputError(
                .setting("--labels"), found: "given for a \(configuration.task.rawValue) model",
                expected: "labels only for classify and tag")
        }
        return schema
    }

    /// Checks that the manifest a GRUKit export recorded describes the layers the archive holds
    /// (a file edited in Keras may not).
    static func check(_ recorded: ModelConfiguration, agreesWith read: ModelConfiguration) throws {
        var comparable = read
        comparable.inputDropout = recorded.inputDropout
        comparable.layerDropout = recorded.layerDropout
        comparable.recurrentDropout = recorded.recurrentDropout
        comparable.outputDropout = recorded.outputDropout
        comparable.initialization = recorded.initialization
        comparable.task = recorded.task
        guard comparable == recorded else {
            throw GRUInputError(
                .setting("metadata.json"), found: "a grukit manifest unlike the layers in config.json",
                expected: "the model GRUKit exported (remove the grukit key to import the layers as they are)")
        }
    }
}
