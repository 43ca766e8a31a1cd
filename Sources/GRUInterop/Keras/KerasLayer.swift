import Foundation
import GRUNetworks

/// One layer of a Keras 3 model, in the terms GRUKit reads and writes: the layer classes a
/// GRUKit `SequenceModel` is made of, each with the settings of its `config.json` entry that
/// change what the model computes.
///
/// `config(name:)` writes the entry Keras 3's `deserialize_keras_object` reads (settings left
/// out take Keras's defaults); `init(entry:)` reads one and refuses, naming the layer, any class
/// or setting GRUKit cannot compute.
enum KerasLayer: Equatable {
    /// `InputLayer`: (B, T) int32 token ids, or (B, T, F) float32 features.
    case input(featureCount: Int?)
    /// `Embedding(V, E, mask_zero)`: id 0 is padding when `maskZero`.
    case embedding(vocabularySize: Int, dimension: Int, maskZero: Bool)
    /// `Masking(mask_value)`: a step whose features all equal the value is padding.
    case masking(value: Double)
    /// `Normalization(axis=-1, mean, variance, invert)`: (x - mean) / max(sqrt(variance), 1e-7),
    /// or with `invert` mean + x * max(sqrt(variance), 1e-7).
    case normalization(mean: [Float], variance: [Float], invert: Bool)
    /// `GRU`.
    case gru(KerasGRUSettings)
    /// `Bidirectional(GRU, merge_mode="concat")`: forward and backward GRUs of the same settings.
    case bidirectional(KerasGRUSettings)
    /// `Dropout(rate)`: nothing at inference.
    case dropout(rate: Float)
    /// `GlobalAveragePooling1D`: the mean over the steps the mask keeps.
    case globalAveragePooling
    /// `Dense(units, activation, use_bias)`.
    case dense(units: Int, activation: String, useBias: Bool)

    /// The Keras class name, as config.json spells it.
    var className: String {
        switch self {
        case .input: return "InputLayer"
        case .embedding: return "Embedding"
        case .masking: return "Masking"
        case .normalization: return "Normalization"
        case .gru: return "GRU"
        case .bidirectional: return "Bidirectional"
        case .dropout: return "Dropout"
        case .globalAveragePooling: return "GlobalAveragePooling1D"
        case .dense: return "Dense"
        }
    }

    /// The classes `init(entry:)` reads, for messages.
    static let readableClasses =
        "InputLayer, Embedding, Masking, Normalization, GRU, Bidirectional(GRU), Dropout, GlobalAveragePooling1D or Dense"
}

/// The settings of a Keras `GRU` layer that GRUKit computes; tanh and sigmoid activations, a
/// bias and no state carried between calls are required when reading.
struct KerasGRUSettings: Equatable {
    /// `units`, the hidden size H.
    var units: Int
    /// `reset_after`: true for GRUKit's reset-after variant, false for reset-before.
    var resetAfter: Bool
    /// `return_sequences`: every step's output (true) or the last state's (false).
    var returnSequences: Bool
    /// `activation`, of the candidate (tanh by default).
    var activation: RecurrentActivation = .tanh
    /// `recurrent_activation`, of the reset and update gates (sigmoid by default).
    var recurrentActivation: RecurrentActivation = .sigmoid

    /// The variant GRUKit computes for `resetAfter`.
    var variant: GRUVariant { resetAfter ? .resetAfter : .resetBefore }
}

// MARK: - Writing config.json entries

extension KerasLayer {
    /// The layer's config.json entry (`module`, `class_name`, `config`), named `name`.
    func entry(name: String) -> [String: Any] {
        var config: [String: Any] = ["name": name, "trainable": true, "dtype": "float32"]
        switch self {
        case .input(let featureCount):
            config = [
                "name": name, "batch_shape": featureCount.map { [NSNull(), NSNull(), $0] } ?? [NSNull(), NSNull()],
                "dtype": featureCount == nil ? "int32" : "float32", "sparse": false, "ragged": false,
            ]
        case .embedding(let vocabularySize, let dimension, let maskZero):
            config["input_dim"] = vocabularySize
            config["output_dim"] = dimension
            config["mask_zero"] = maskZero
        case .masking(let value):
            config["mask_value"] = value
        case .normalization(let mean, let variance, let invert):
            config["axis"] = [-1]
            config["invert"] = invert
            config["mean"] = mean.map(Double.init)
            config["variance"] = variance.map(Double.init)
        case .gru(let settings):
            config.merge(Self.gruConfig(settings, goBackwards: false)) { $1 }
        case .bidirectional(let settings):
            config["merge_mode"] = "concat"
            var forward = Self.gruConfig(settings, goBackwards: false)
            forward["name"] = "forward_" + name
            var backward = Self.gruConfig(settings, goBackwards: true)
            backward["name"] = "backward_" + name
            config["layer"] = Self.wrap("GRU", forward)
            config["backward_layer"] = Self.wrap("GRU", backward)
        case .dropout(let rate):
            config["rate"] = Double(rate)
        case .globalAveragePooling:
            config["data_format"] = "channels_last"
            config["keepdims"] = false
        case .dense(let units, let activation, let useBias):
            config["units"] = units
            config["activation"] = activation
            config["use_bias"] = useBias
        }
        return Self.wrap(className, config)
    }

    private static func wrap(_ className: String, _ config: [String: Any]) -> [String: Any] {
        ["module": "keras.layers", "class_name": className, "config": config, "registered_name": NSNull()]
    }

    private static func gruConfig(_ settings: KerasGRUSettings, goBackwards: Bool) -> [String: Any] {
        [
            "trainable": true, "dtype": "float32", "units": settings.units,
            "activation": settings.activation.kerasName,
            "recurrent_activation": settings.recurrentActivation.kerasName, "use_bias": true,
            "reset_after": settings.resetAfter,
            "return_sequences": settings.returnSequences, "return_state": false, "go_backwards": goBackwards,
            "stateful": false, "unroll": false, "dropout": 0.0, "recurrent_dropout": 0.0,
        ]
    }
}

// MARK: - Reading config.json entries

extension KerasLayer {
    /// Reads one config.json layer entry.
    ///
    /// - Throws: `GRUInputError` naming the layer, its class and the class or setting
    ///   GRUKit cannot compute.
    init(entry: [String: Any]) throws {
        let className = entry["class_name"] as? String ?? "?"
        let config = entry["config"] as? [String: Any] ?? [:]
        let layer = KerasLayerReader(
            name: config["name"] as? String ?? entry["name"] as? String ?? "?", className: className, config: config)
        switch className {
        case "InputLayer":
            let shape = config["batch_shape"] as? [Any] ?? config["batch_input_shape"] as? [Any] ?? []
            switch shape.count {
            case 2: self = .input(featureCount: nil)
            case 3:
                guard let features = shape[2] as? Int else {
                    throw layer.unsupported("batch_shape \(shape)", expected: "(None, T, F) with a fixed F")
                }
                self = .input(featureCount: features)
            default:
                throw layer.unsupported(
                    "batch_shape \(shape)", expected: "(None, T) token ids or (None, T, F) features")
            }
        case "Embedding":
            self = .embedding(
                vocabularySize: try layer.int("input_dim"), dimension: try layer.int("output_dim"),
                maskZero: config["mask_zero"] as? Bool ?? false)
        case "Masking":
            self = .masking(value: (config["mask_value"] as? NSNumber)?.doubleValue ?? 0)
        case "Normalization":
            let axis = config["axis"] as? [Int] ?? (config["axis"] as? Int).map { [$0] } ?? [-1]
            guard axis == [-1] || axis == [2] else {
                throw layer.unsupported("axis \(axis)", expected: "axis -1, per feature")
            }
            guard let mean = layer.floats("mean"), let variance = layer.floats("variance"), mean.count == variance.count
            else {
                throw layer.unsupported(
                    "no mean and variance in its config (adapted statistics)",
                    expected: "mean and variance given as lists of the same length")
            }
            self = .normalization(mean: mean, variance: variance, invert: config["invert"] as? Bool ?? false)
        case "GRU":
            let settings = try Self.gruSettings(layer, goBackwards: false)
            self = .gru(settings)
        case "Bidirectional":
            let mergeMode = config["merge_mode"] as? String ?? "concat"
            guard mergeMode == "concat" else {
                throw layer.unsupported("merge_mode \(mergeMode)", expected: "concat")
            }
            guard let forward = config["layer"] as? [String: Any] else {
                throw layer.unsupported("no wrapped layer", expected: "a GRU")
            }
            let forwardReader = try KerasLayerReader(wrapped: forward, in: layer)
            let settings = try Self.gruSettings(forwardReader, goBackwards: false)
            if let backward = config["backward_layer"] as? [String: Any] {
                let backwardReader = try KerasLayerReader(wrapped: backward, in: layer)
                let backwardSettings = try Self.gruSettings(backwardReader, goBackwards: true)
                guard backwardSettings == settings else {
                    throw layer.unsupported(
                        "a backward GRU unlike its forward one",
                        expected: "the same units, reset_after, return_sequences and activations")
                }
            }
            self = .bidirectional(settings)
        case "Dropout":
            self = .dropout(rate: (config["rate"] as? NSNumber)?.floatValue ?? 0)
        case "GlobalAveragePooling1D":
            if let format = config["data_format"] as? String, format != "channels_last" {
                throw layer.unsupported("data_format \(format)", expected: "channels_last")
            }
            if config["keepdims"] as? Bool == true {
                throw layer.unsupported("keepdims true", expected: "keepdims false")
            }
            self = .globalAveragePooling
        case "Dense":
            let activation = config["activation"] as? String ?? "linear"
            guard ["linear", "softmax"].contains(activation) else {
                throw layer.unsupported(
                    "activation \(activation)",
                    expected:
                        "softmax (classes) or linear (forecasts, logits): GRUKit's heads end in a softmax or nothing")
            }
            self = .dense(
                units: try layer.int("units"), activation: activation, useBias: config["use_bias"] as? Bool ?? true)
        default:
            throw layer.unsupported("", expected: "one of \(Self.readableClasses)")
        }
    }

    private static func gruSettings(_ layer: KerasLayerReader, goBackwards: Bool) throws -> KerasGRUSettings {
        let config = layer.config
        /// The activation under `key`, by its Keras name.
        func activation(_ key: String, default fallback: RecurrentActivation) throws -> RecurrentActivation {
            guard let value = config[key] else { return fallback }
            let accepted = RecurrentActivation.allCases.map(\.kerasName).joined(separator: ", ")
            guard let name = value as? String, let activation = try? RecurrentActivation(parsing: name) else {
                throw layer.unsupported("\(key) \(value)", expected: "\(key) one of \(accepted)")
            }
            return activation
        }
        for (key, wanted, fallback) in [
            ("use_bias", true, true), ("go_backwards", goBackwards, false), ("stateful", false, false),
            ("return_state", false, false),
        ] {
            let found = config[key] as? Bool ?? fallback
            guard found == wanted else {
                let place =
                    goBackwards
                    ? " in the backward layer" : key == "go_backwards" ? " outside a Bidirectional wrapper" : ""
                throw layer.unsupported("\(key) \(found)\(place)", expected: "\(key) \(wanted)")
            }
        }
        return KerasGRUSettings(
            units: try layer.int("units"), resetAfter: config["reset_after"] as? Bool ?? true,
            returnSequences: config["return_sequences"] as? Bool ?? false,
            activation: try activation("activation", default: .tanh),
            recurrentActivation: try activation("recurrent_activation", default: .sigmoid))
    }
}

/// A layer entry being read, for its values and its errors.
struct KerasLayerReader {
    var name: String
    var className: String
    var config: [String: Any]

    init(name: String, className: String, config: [String: Any]) {
        self.name = name
        self.className = className
        self.config = config
    }

    /// The entry of the layer that `wrapper` wraps; it must be a GRU.
    init(wrapped entry: [String: Any], in wrapper: KerasLayerReader) throws {
        let className = entry["class_name"] as? String ?? "?"
        guard className == "GRU" else {
            throw wrapper.unsupported("a wrapped \(className)", expected: "a wrapped GRU")
        }
        let config = entry["config"] as? [String: Any] ?? [:]
        self.init(name: wrapper.name, className: "Bidirectional(GRU)", config: config)
    }

    /// An error naming this layer and its class: `layer 'gru_1' (GRU): activation relu; expected ...`.
    func unsupported(_ found: String, expected: String) -> GRUInputError {
        GRUInputError(.setting("layer '\(name)' (\(className))"), found: found, expected: expected)
    }

    func int(_ key: String) throws -> Int {
        guard let value = config[key] as? Int, value > 0 else {
            throw unsupported(
                "\(key) \(config[key].map { "\($0)" } ?? "missing")", expected: "\(key) a positive integer")
        }
        return value
    }

    func floats(_ key: String) -> [Float]? {
        if let values = config[key] as? [NSNumber] { return values.map(\.floatValue) }
        if let value = config[key] as? NSNumber { return [value.floatValue] }
        return nil
    }
}
