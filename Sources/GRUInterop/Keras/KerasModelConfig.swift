import Foundation
import GRUNetworks

/// A Keras 3 model's `config.json` as GRUKit reads and writes it: one chain of layers from the
/// input to the output.
///
/// Writing gives a `Sequential` model. Reading takes a `Sequential` model, or a `Functional`
/// one whose layers form a single chain (each layer's first argument is the previous layer's
/// output); the mask-computing operations Keras 3 records beside `Masking` in a functional
/// graph (`NotEqual`, `Any`, passed to the GRUs as `mask=`) are left out, as the chain's
/// `Masking` stands for them.
///
/// `weightPaths` gives where each layer's variables live in `model.weights.h5`: Keras 3 names
/// a model's layers there by class, not by the layer's name: `layers/<snake_case class>`, with
/// `_1`, `_2` ... for later layers of the same class (`layers/gru`, `layers/gru_1`).
struct KerasModelConfig: Equatable {
    /// A layer and its name in the model.
    struct NamedLayer: Equatable {
        /// The layer's name (`gru`, `dense_2`).
        var name: String
        /// What it computes.
        var layer: KerasLayer
    }

    /// The layers from input to output; the first is the `InputLayer` when the file has one.
    var layers: [NamedLayer]

    /// A configuration of the given layers.
    init(layers: [NamedLayer]) {
        self.layers = layers
    }

    // MARK: - Weight paths

    /// The model.weights.h5 group of each layer (nil for the `InputLayer`, which has none), in
    /// layer order.
    var weightPaths: [String?] {
        var used: [String: Int] = [:]
        return layers.map { named in
            if case .input = named.layer { return nil }
            let base = Self.snakeCase(named.layer.className)
            let count = used[base, default: 0]
            used[base] = count + 1
            return "layers/" + (count == 0 ? base : "\(base)_\(count)")
        }
    }

    /// Keras's `naming.to_snake_case`: `GlobalAveragePooling1D` -> `global_average_pooling1d`,
    /// `GRU` -> `gru`.
    static func snakeCase(_ name: String) -> String {
        var text = name.filter { $0.isLetter || $0.isNumber || $0 == "_" }
        for (pattern, template) in [("(.)([A-Z][a-z]+)", "$1_$2"), ("([a-z])([A-Z])", "$1_$2")] {
            let expression = try! NSRegularExpression(pattern: pattern)
            text = expression.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: template)
        }
        return text.lowercased()
    }

    // MARK: - Writing

    /// config.json of a `Sequential` model named `name`.
    func json(name: String) throws -> Data {
        let entries = layers.map { $0.layer.entry(name: $0.name) }
        let inputShape: [Any] =
            layers.first.flatMap { named -> [Any]? in
                guard case .input(let featureCount) = named.layer else { return nil }
                return featureCount.map { [NSNull(), NSNull(), $0] } ?? [NSNull(), NSNull()]
            } ?? []
        let model: [String: Any] = [
            "module": "keras", "class_name": "Sequential", "registered_name": NSNull(),
            "config": [
                "name": name, "trainable": true, "dtype": "float32", "layers": entries, "build_input_shape": inputShape,
            ],
            "build_config": ["input_shape": inputShape],
        ]
        return try JSONSerialization.data(withJSONObject: model, options: [.prettyPrinted, .sortedKeys])
    }

    // MARK: - Reading

    /// Reads config.json.
    ///
    /// - Throws: `GRUInputError` when the model is neither a `Sequential` nor a chain-shaped
    ///   `Functional` model, or names a layer GRUKit cannot compute.
    init(json data: Data) throws {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw GRUInputError(.setting("config.json"), found: "not a JSON object", expected: "a Keras 3 model config")
        }
        let className = root["class_name"] as? String ?? "?"
        let config = root["config"] as? [String: Any] ?? [:]
        guard let entries = config["layers"] as? [[String: Any]] else {
            throw GRUInputError(
                .setting("config.json"), found: "a \(className) without a list of layers",
                expected: "a Sequential or Functional model")
        }
        switch className {
        case "Sequential":
            self.init(layers: try entries.map(Self.namedLayer))
        case "Functional", "Model":
            self.init(layers: try Self.chain(of: entries, config: config).map(Self.namedLayer))
        default:
            throw GRUInputError(
                .setting("config.json"), found: "a model of class \(className)",
                expected: "a Sequential or Functional model")
        }
    }

    private static func namedLayer(_ entry: [String: Any]) throws -> NamedLayer {
        let config = entry["config"] as? [String: Any] ?? [:]
        let name = config["name"] as? String ?? entry["name"] as? String ?? "?"
        return NamedLayer(name: name, layer: try KerasLayer(entry: entry))
    }

    /// The functional graph's layers from its input to its output, following each layer's
    /// first argument back from the output.
    private static func chain(of entries: [[String: Any]], config: [String: Any]) throws -> [[String: Any]] {
        func nodeName(_ entry: [String: Any]) -> String {
            entry["name"] as? String ?? (entry["config"] as? [String: Any])?["name"] as? String ?? "?"
        }
        let byName = Dictionary(entries.map { (nodeName($0), $0) }, uniquingKeysWith: { first, _ in first })
        /// The names in a tensor reference list such as `["dense", 0, 0]` or `[["dense", 0, 0]]`.
        func references(_ value: Any?) -> [String] {
            guard let list = value as? [Any] else { return [] }
            if let name = list.first as? String { return [name] }
            return list.flatMap { references($0) }
        }
        let outputs = references(config["output_layers"])
        let inputs = references(config["input_layers"])
        guard outputs.count == 1, inputs.count == 1 else {
            throw GRUInputError(
                .setting("config.json"),
                found: "a functional model of \(inputs.count) inputs and \(outputs.count) outputs",
                expected: "one input and one output")
        }
        var chain: [[String: Any]] = []
        var current = outputs[0]
        while true {
            guard let entry = byName[current], chain.count <= entries.count else {
                throw GRUInputError(
                    .setting("config.json"), found: "the layer '\(current)' missing or in a cycle",
                    expected: "a chain of layers from the input to the output")
            }
            chain.append(entry)
            if current == inputs[0] { break }
            let nodes = entry["inbound_nodes"] as? [[String: Any]] ?? []
            guard nodes.count == 1, let arguments = nodes[0]["args"] as? [Any], let first = arguments.first,
                let previous = Self.tensorSource(first)
            else {
                throw GRUInputError(
                    .setting("layer '\(current)' (\(entry["class_name"] as? String ?? "?"))"),
                    found: "\((entry["inbound_nodes"] as? [Any])?.count ?? 0) calls or no input tensor",
                    expected: "one call on one tensor, as a layer of a chain")
            }
            current = previous
        }
        let onChain = Set(chain.map(nodeName))
        // What is off the chain may only be the mask operations Keras records for Masking.
        for entry in entries where !onChain.contains(nodeName(entry)) {
            let className = entry["class_name"] as? String ?? "?"
            let module = entry["module"] as? String ?? ""
            guard module.hasPrefix("keras.src.ops"), ["NotEqual", "Any"].contains(className) else {
                throw GRUInputError(
                    .setting("layer '\(nodeName(entry))' (\(className))"), found: "off the chain from input to output",
                    expected: "a model whose layers form one chain")
            }
        }
        return chain.reversed()
    }

    /// The layer a `__keras_tensor__` argument comes from (its `keras_history`'s first item).
    private static func tensorSource(_ argument: Any) -> String? {
        guard let tensor = argument as? [String: Any], tensor["class_name"] as? String == "__keras_tensor__",
            let history = (tensor["config"] as? [String: Any])?["keras_history"] as? [Any]
        else { return nil }
        return history.first as? String
    }
}
