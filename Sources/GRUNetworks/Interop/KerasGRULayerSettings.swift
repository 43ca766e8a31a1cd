import Foundation
import GRUFormats

/// The settings of a Keras `GRU` layer that decide whether GRUKit computes it, read from (and
/// written to) a `.keras` archive's config.json.
///
/// config.json is `{"class_name": "Sequential" or "Functional", "config": {"layers": [...]}}`,
/// each layer `{"class_name": "GRU", "config": {"units": 4, "reset_after": true, ...}}`; a
/// `Bidirectional` holds its GRU's config under `config.layer`.
struct KerasGRULayerSettings {
    var name: String
    var units: Int
    var resetAfter: Bool
    var useBias: Bool
    var goBackwards: Bool
    var returnSequences: Bool
    var activation: RecurrentActivation
    var recurrentActivation: RecurrentActivation

    init(config: [String: Any], fileName: String) throws {
        let layerName = config["name"] as? String ?? "gru"
        name = layerName
        func value<T>(_ key: String, default fallback: T) throws -> T {
            guard let found = config[key] else { return fallback }
            guard let typed = found as? T else {
                throw FormatError(fileName, "layer '\(layerName)': '\(key)' is \(found); expected a \(T.self)")
            }
            return typed
        }
        units = try value("units", default: 0)
        resetAfter = try value("reset_after", default: true)
        useBias = try value("use_bias", default: true)
        goBackwards = try value("go_backwards", default: false)
        returnSequences = try value("return_sequences", default: false)
        func namedActivation(_ key: String, default fallback: RecurrentActivation) throws -> RecurrentActivation {
            let name: String = try value(key, default: fallback.kerasName)
            guard let activation = try? RecurrentActivation(parsing: name) else {
                let accepted = RecurrentActivation.allCases.map(\.kerasName).joined(separator: ", ")
                throw FormatError(fileName, "layer '\(layerName)': '\(key)' is \(name); expected one of \(accepted)")
            }
            return activation
        }
        activation = try namedActivation("activation", default: .tanh)
        recurrentActivation = try namedActivation("recurrent_activation", default: .sigmoid)
    }

    /// Refuses settings GRUKit does not compute or that disagree with the stack's weights.
    func check(against configuration: GRUConfiguration, name fileName: String) throws {
        func failure(_ problem: String) -> FormatError { FormatError(fileName, "layer '\(name)': \(problem)") }
        guard activation == configuration.activation, recurrentActivation == configuration.recurrentActivation else {
            throw failure(
                "activation \(activation.kerasName), recurrent_activation \(recurrentActivation.kerasName), unlike "
                    + "the stack's first layer; expected \(configuration.activation.kerasName) and "
                    + "\(configuration.recurrentActivation.kerasName) for the stack")
        }
        guard units == configuration.hiddenSize else {
            throw failure("has units \(units); expected \(configuration.hiddenSize), the weights' hidden size")
        }
        guard resetAfter == (configuration.variant == .resetAfter), useBias == configuration.hasBias else {
            throw failure(
                "has reset_after \(resetAfter), use_bias \(useBias), unlike the stack's first layer; expected one "
                    + "variant and bias setting for the stack")
        }
    }

    /// The recurrent layers of the model in `config` (in its layer order, with their weight
    /// paths), and the other layers as `name (Class)`.
    ///
    /// - Throws: `FormatError` naming the archive when config.json is not a model's JSON, has
    ///   no GRU layer, or a GRU layer runs backwards on its own (GRUKit runs reverse time only
    ///   inside a bidirectional layer), merges directions other than by concatenation, or does
    ///   not return sequences to the layer after it.
    static func stackLayers(inConfig config: Data, name fileName: String) throws
        -> (layers: [KerasGRU.LayerEntry], ignored: [String])
    {
        let configName = "\(fileName): config.json"
        guard let root = try? JSONSerialization.jsonObject(with: config) as? [String: Any],
            let model = root["config"] as? [String: Any], let layers = model["layers"] as? [[String: Any]]
        else {
            throw FormatError(configName, "is not a Keras model's config; expected {\"config\": {\"layers\": [...]}}")
        }
        var entries: [KerasGRU.LayerEntry] = []
        var ignored: [String] = []
        var counts: [String: Int] = [:]
        for layer in layers {
            let className = layer["class_name"] as? String ?? "?"
            let layerConfig = layer["config"] as? [String: Any] ?? [:]
            let layerName = layerConfig["name"] as? String ?? "?"
            guard className == "GRU" || className == "Bidirectional" else {
                if className != "InputLayer" { ignored.append("\(layerName) (\(className))") }
                continue
            }
            // Keras's weight paths count the layers of each class: gru, gru_1, ...
            let index = counts[className, default: 0]
            counts[className] = index + 1
            let isBidirectional = className == "Bidirectional"
            var gruConfig = layerConfig
            if isBidirectional {
                guard let inner = layerConfig["layer"] as? [String: Any], inner["class_name"] as? String == "GRU",
                    let innerConfig = inner["config"] as? [String: Any]
                else {
                    ignored.append("\(layerName) (\(className) of a layer that is not a GRU)")
                    continue
                }
                let merge = layerConfig["merge_mode"] as? String ?? "concat"
                guard merge == "concat" else {
                    throw FormatError(
                        configName,
                        "layer '\(layerName)' has merge_mode \(merge); expected concat (GRUKit's directions)")
                }
                gruConfig = innerConfig
            }
            var settings = try KerasGRULayerSettings(config: gruConfig, fileName: configName)
            settings.name = layerName
            if settings.goBackwards {
                throw FormatError(
                    configName,
                    "layer '\(layerName)' has go_backwards true; expected false (GRUKit runs reverse time only "
                        + "inside a bidirectional layer)")
            }
            if isBidirectional, let returns = layerConfig["return_sequences"] as? Bool {
                settings.returnSequences = returns
            }
            entries.append(
                KerasGRU.LayerEntry(
                    path: KerasGRU.layerPath(index, isBidirectional: isBidirectional),
                    isBidirectional: isBidirectional, settings: settings))
        }
        guard !entries.isEmpty else {
            throw FormatError(configName, "has no GRU or Bidirectional(GRU) layer; expected a GRU stack")
        }
        for entry in entries.dropLast() where entry.settings?.returnSequences == false {
            throw FormatError(
                configName,
                "layer '\(entry.settings!.name)' has return_sequences false but feeds another GRU; expected true")
        }
        return (entries, ignored)
    }

    /// The config.json of a `Sequential` model of `configuration`'s stack (see `KerasGRU.archive(of:)`).
    static func sequentialConfig(of configuration: GRUConfiguration) throws -> Data {
        var layers: [[String: Any]] = [
            [
                "module": "keras.layers", "class_name": "InputLayer",
                "config": [
                    "batch_shape": [NSNull(), NSNull(), configuration.inputSize], "dtype": "float32",
                    "name": "input_layer",
                ],
            ]
        ]
        for layer in 0..<configuration.layerCount {
            let names = KerasGRU.layerNames(layer, isBidirectional: configuration.isBidirectional)
            let inputSize = layer == 0 ? configuration.inputSize : configuration.outputSize
            let build: [String: Any] = ["input_shape": [NSNull(), NSNull(), inputSize]]
            var gru: [String: Any] = [
                "module": "keras.layers", "class_name": "GRU",
                "config": [
                    "name": names.inner, "units": configuration.hiddenSize,
                    "activation": configuration.activation.kerasName,
                    "recurrent_activation": configuration.recurrentActivation.kerasName,
                    "use_bias": configuration.hasBias,
                    "reset_after": configuration.variant == .resetAfter, "return_sequences": true,
                    "go_backwards": false, "dtype": "float32",
                ],
                "build_config": build,
            ]
            if configuration.isBidirectional {
                gru = [
                    "module": "keras.layers", "class_name": "Bidirectional",
                    "config": ["name": names.layer, "merge_mode": "concat", "layer": gru, "dtype": "float32"],
                    "build_config": build,
                ]
            }
            layers.append(gru)
        }
        let model: [String: Any] = [
            "module": "keras", "class_name": "Sequential", "config": ["name": "sequential", "layers": layers],
            "build_config": ["input_shape": [NSNull(), NSNull(), configuration.inputSize]],
        ]
        return try JSONSerialization.data(withJSONObject: model, options: [.sortedKeys])
    }
}
