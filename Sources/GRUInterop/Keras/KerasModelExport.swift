import Foundation
import GRUFormats
import GRUNetworks
import GRUTensor
import GRUTraining

/// A GRUKit model directory as a Keras 3 `Sequential` model that computes what `gru predict`
/// reports, on batch-major input:
///
///     tokens (B, T) int32 -> Embedding(V, E, mask_zero=True)            (id 0 is padding)
///     features (B, T, F)  -> Masking(0) -> Normalization(mean, variance) (the schema's; padded
///                                                                         steps are zeros)
///     -> [Dropout] -> GRU | Bidirectional(GRU, concat), stacked L times
///     -> last state (the last GRU's return_sequences=False) | GlobalAveragePooling1D (mean)
///        | every step (tag, language model)
///     -> [Dropout] -> Dense(C, softmax) (classify, tag, language model: probabilities)
///                   | Dense(C) -> Normalization(invert=True) (forecast, in the data's units)
///
/// Keras's Normalization divides by max(sqrt(variance), 1e-7); the variance written is the
/// float32 square of GRUKit's standard deviation, whose correctly rounded square root is that
/// deviation again, so the standardization is GRUKit's. Masking's caveat: a real step whose
/// features are all exactly 0 is taken for padding by Keras (GRUKit knows lengths).
/// Dropout layers carry the input and output dropout rates; inference ignores them.
///
/// metadata.json records the manifest under `grukit` (see `KerasModelMetadata`), so `gru import`
/// restores the directory; the weights are at the paths Keras 3 itself uses (see
/// `KerasModelConfig.weightPaths`), the GRUs' mapped by `KerasGRU` (through `KerasGRUWeights`).
enum KerasModelExport {
    /// The archive of `model` with its `manifest`.
    ///
    /// - Parameter date: the `date_saved` written.
    static func archive(
        of model: SequenceModel, manifest: ModelDirectory.Manifest, date: Date = Date()
    ) throws -> KerasArchive {
        let config = modelConfig(manifest)
        let name = "grukit_" + manifest.model.task.rawValue.replacingOccurrences(of: "-", with: "_")
        let parameters = Dictionary(
            model.namedTensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        // The GRU layers' arrays at layers/gru[_k] or layers/bidirectional[_k], where this
        // config's GRU layers are too (they are the model's only layers of those classes).
        var weights = KerasGRUWeights.weightsFile(of: parameters, configuration: manifest.model.gru)
        weights.groupNames["vars"] = name
        for (named, path) in zip(config.layers, config.weightPaths) {
            guard let path else { continue }
            switch named.layer {
            case .embedding:
                weights.tensors[path + "/vars/0"] = parameters["embedding.weight"]
            case .dense:
                weights.tensors[path + "/vars/0"] = parameters["head.weight"]!.swappingFirstTwoAxes()  // (in, C)
                weights.tensors[path + "/vars/1"] = parameters["head.bias"]
            case .input, .masking, .normalization, .dropout, .globalAveragePooling, .gru, .bidirectional:
                break
            }
        }
        var biases: [String: [Float]]?
        if manifest.model.variant == .resetBefore {
            biases = parameters.filter { $0.key.hasPrefix("gru.bias_") }.mapValues(\.scalars)
        }
        let metadata = KerasModelMetadata(
            kerasVersion: KerasModelMetadata.writtenKerasVersion, dateSaved: KerasModelMetadata.dateSaved(date),
            grukit: .init(manifest: manifest, gruBiases: biases))
        return KerasArchive(config: try config.json(name: name), metadata: try metadata.json(), weights: weights)
    }

    /// The layers of the Keras model of `manifest`'s model and data (see the type's
    /// documentation), named as Keras names layers by class.
    static func modelConfig(_ manifest: ModelDirectory.Manifest) -> KerasModelConfig {
        let model = manifest.model
        var layers: [KerasLayer] = [.input(featureCount: model.featureCount)]
        if let vocabularySize = model.vocabularySize {
            layers.append(
                .embedding(vocabularySize: vocabularySize, dimension: model.embeddingSize ?? 0, maskZero: true))
        } else {
            layers.append(.masking(value: 0))
            if let normalization = manifest.data.featureNormalization {
                layers.append(
                    .normalization(
                        mean: normalization.means, variance: normalization.standardDeviations.map { $0 * $0 },
                        invert: false))
            }
        }
        if model.inputDropout > 0 { layers.append(.dropout(rate: model.inputDropout)) }
        for index in 0..<model.layers {
            let isLast = index == model.layers - 1
            let settings = KerasGRUSettings(
                units: model.hiddenSize, resetAfter: model.variant == .resetAfter,
                returnSequences: !isLast || model.predictsEveryStep || model.pooling == .mean,
                activation: model.activation, recurrentActivation: model.recurrentActivation)
            layers.append(model.bidirectional ? .bidirectional(settings) : .gru(settings))
        }
        if !model.predictsEveryStep && model.pooling == .mean { layers.append(.globalAveragePooling) }
        if model.outputDropout > 0 { layers.append(.dropout(rate: model.outputDropout)) }
        let isForecast = model.task == .forecast
        layers.append(.dense(units: model.outputSize, activation: isForecast ? "linear" : "softmax", useBias: true))
        if isForecast, let normalization = manifest.data.targetNormalization {
            // The head's outputs are horizon steps of the targets, target fastest.
            let repeats = model.outputSize / max(normalization.featureCount, 1)
            let means = Array([[Float]](repeating: normalization.means, count: repeats).joined())
            let deviations = Array([[Float]](repeating: normalization.standardDeviations, count: repeats).joined())
            layers.append(.normalization(mean: means, variance: deviations.map { $0 * $0 }, invert: true))
        }
        var used: [String: Int] = [:]
        return KerasModelConfig(
            layers: layers.map { layer in
                let base = layer.className == "InputLayer" ? "input_layer" : KerasModelConfig.snakeCase(layer.className)
                let count = used[base, default: 0]
                used[base] = count + 1
                return .init(name: count == 0 ? base : "\(base)_\(count)", layer: layer)
            })
    }
}
