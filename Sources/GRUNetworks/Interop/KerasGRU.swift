import Foundation
import GRUFormats
import GRUTensor

/// The mapping between a GRU stack and Keras 3's `GRU` and `Bidirectional(GRU)` layers.
///
/// Letters: I input size (of the layer), H hidden size, D directions. A Keras GRU cell has the
/// variables, in this order, `kernel` (I, 3H), `recurrent_kernel` (H, 3H) and, with
/// `use_bias`, `bias`, with the gate blocks as columns in the order z, r, h (PyTorch and GRUKit
/// stack rows r, z, n: the kernels are the transposes, reordered). Keras computes
/// (keras/src/layers/rnn/gru.py, Keras 3.15):
///
///     reset_after=True,  bias (2, 3H) = [b_ih; b_hh]:
///         hh = tanh(x W_h + b_ih,h + r * (h U_h + b_hh,h))          = GRUKit reset-after
///     reset_after=False, bias (3H), one vector b:
///         z, r = sigmoid(x W + b + h U);  hh = tanh(x W_h + b_h + (r * h) U_h)
///     h' = z * h + (1 - z) * hh
///
/// GRUKit's reset-before adds both b_in and b_hn outside r, so Keras's single b is
/// b_ih + b_hh for every gate; on import b_ih is b and b_hh is zero (the same outputs).
/// `Bidirectional` holds `forward_layer` and `backward_layer` (a GRU with go_backwards=True, its
/// output reversed back), concatenated forward first: GRUKit's two directions.
///
/// In a weights file, Keras 3 puts a model's layers at `layers/<class in snake case>[_k]`, the
/// k-th layer of a class (from 1) getting the suffix, whatever the layers are called:
///
///     layers/gru/cell/vars/0, 1, 2                          the first GRU
///     layers/gru_1/cell/vars/...                            the second
///     layers/bidirectional/forward_layer/cell/vars/...      a Bidirectional(GRU)
///     layers/bidirectional/backward_layer/cell/vars/...
///
/// (checked by saving real models in Tools/Reference/make_keras_fixtures.py).
public enum KerasGRU {
    /// The parameters of a GRU stack read from Keras weights, and the layers left out.
    public struct Import: Sendable {
        /// The stack's weights, in GRUKit's layout.
        public var parameters: GRUParameters
        /// The model's other layers, as `name (Class)` or, from a bare weights file, their group paths.
        public var ignoredLayers: [String]
        /// The name of the stack's last layer when it has `return_sequences` false: Keras then
        /// returns only the final states, where `GRU.forward` gives every step as well; nil when
        /// it returns sequences or a bare weights file does not say.
        public var finalStatesOnlyLayer: String? = nil
    }

    /// One recurrent layer of the stack: its group path in the weights file and, from
    /// config.json when there is one, its settings.
    struct LayerEntry {
        /// `layers/gru_1` or `layers/bidirectional`.
        var path: String
        var isBidirectional: Bool
        /// From config.json; nil for a bare weights file.
        var settings: KerasGRULayerSettings?
    }

    // MARK: - Gate order and layout

    /// A GRUKit weight (3H, C), rows r, z, n, as Keras's (C, 3H), columns z, r, h: the one
    /// place the Keras gate reorder is written (`fromKeras` undoes it).
    static func toKeras(_ rows: ArraySlice<Float>, hiddenSize h: Int, columns: Int) -> [Float] {
        precondition(rows.count == 3 * h * columns, "\(rows.count) values for (3·\(h), \(columns))")
        let kerasGate = [1, 0, 2]  // Keras block g holds GRUKit gate kerasGate[g]
        var result = [Float](repeating: 0, count: rows.count)
        let start = rows.startIndex
        for c in 0..<columns {
            for g in 0..<3 {
                for j in 0..<h {
                    result[c * 3 * h + g * h + j] = rows[start + (kerasGate[g] * h + j) * columns + c]
                }
            }
        }
        return result
    }

    /// A Keras weight (C, 3H), columns z, r, h, as GRUKit's (3H, C), rows r, z, n.
    static func fromKeras(_ kerasValues: [Float], hiddenSize h: Int, columns: Int) -> [Float] {
        // The swap of z and r is its own inverse; the transpose is undone by reading as rows.
        let kerasGate = [1, 0, 2]
        var result = [Float](repeating: 0, count: kerasValues.count)
        for c in 0..<columns {
            for g in 0..<3 {
                for j in 0..<h {
                    result[(kerasGate[g] * h + j) * columns + c] = kerasValues[c * 3 * h + g * h + j]
                }
            }
        }
        return result
    }

    /// The group path of layer `index` of a stack: `layers/gru`, `layers/gru_1`, ... or
    /// `layers/bidirectional`, ...
    static func layerPath(_ index: Int, isBidirectional: Bool) -> String {
        "layers/" + (isBidirectional ? "bidirectional" : "gru") + (index == 0 ? "" : "_\(index)")
    }

    /// The cell groups of a layer: one, or `forward_layer` then `backward_layer`.
    static func cellPaths(of layerPath: String, isBidirectional: Bool) -> [String] {
        isBidirectional
            ? [layerPath + "/forward_layer/cell/vars", layerPath + "/backward_layer/cell/vars"]
            : [layerPath + "/cell/vars"]
    }

    // MARK: - Export

    /// The Keras weights of `parameters`' stack, with the `vars` groups and names Keras writes
    /// for a `Sequential` of GRU or Bidirectional(GRU) layers named as `layerNames` gives.
    public static func weightsFile(of parameters: GRUParameters) -> KerasWeightsFile {
        let configuration = parameters.configuration
        let h = configuration.hiddenSize
        var file = KerasWeightsFile(tensors: [:], groupNames: ["vars": "sequential"])
        for layer in 0..<configuration.layerCount {
            let path = layerPath(layer, isBidirectional: configuration.isBidirectional)
            let names = layerNames(layer, isBidirectional: configuration.isBidirectional)
            file.groupNames[path + "/vars"] = names.layer
            let inputSize = layer == 0 ? configuration.inputSize : configuration.outputSize
            let cells = cellPaths(of: path, isBidirectional: configuration.isBidirectional)
            for (direction, cell) in cells.enumerated() {
                if configuration.isBidirectional {
                    let wrapped = String(cell.dropLast("/cell/vars".count))
                    file.groupNames[wrapped + "/vars"] =
                        direction == 0 ? "forward_" + names.inner : "backward_" + names.inner
                }
                file.groupNames[cell] = "gru_cell"
                func values(_ role: RecurrentParameterRole) -> ArraySlice<Float> {
                    parameters.values[parameters.slot(role, layer: layer, direction: direction)!.range]
                }
                file.tensors[cell + "/0"] = Tensor(
                    shape: [inputSize, 3 * h], scalars: toKeras(values(.inputWeight), hiddenSize: h, columns: inputSize)
                )
                file.tensors[cell + "/1"] = Tensor(
                    shape: [h, 3 * h], scalars: toKeras(values(.recurrentWeight), hiddenSize: h, columns: h))
                guard configuration.hasBias else { continue }
                let input = toKeras(values(.inputBias), hiddenSize: h, columns: 1)
                let recurrent = toKeras(values(.recurrentBias), hiddenSize: h, columns: 1)
                file.tensors[cell + "/2"] =
                    configuration.variant == .resetAfter
                    ? Tensor(shape: [2, 3 * h], scalars: input + recurrent)
                    : Tensor(shape: [3 * h], scalars: zip(input, recurrent).map { $0 + $1 })
            }
        }
        return file
    }

    /// The names export gives layer `index`: the layer's, and for a Bidirectional the inner GRU's.
    static func layerNames(_ index: Int, isBidirectional: Bool) -> (layer: String, inner: String) {
        let suffix = index == 0 ? "" : "_\(index)"
        return (isBidirectional ? "bidirectional" + suffix : "gru" + suffix, "gru" + suffix)
    }

    /// A `.keras` archive of a `Sequential` model computing `parameters`' stack: an input of
    /// shape (batch, time, I) and one GRU or Bidirectional(GRU) layer per GRUKit layer, each
    /// returning sequences; loaded by `keras.saving.load_model`, it returns what `GRU.forward`
    /// does (batch-major).
    public static func archive(of parameters: GRUParameters) throws -> KerasArchive {
        KerasArchive(
            config: try KerasGRULayerSettings.sequentialConfig(of: parameters.configuration),
            metadata: Data(#"{"keras_version": "3.0.0", "producer": "GRUKit"}"#.utf8),
            weights: weightsFile(of: parameters))
    }

    // MARK: - Import

    /// The GRU stack of a `.keras` archive: its config.json gives the layers and their
    /// settings, its weights the values.
    ///
    /// - Parameter variant: Only for a stack without biases where the config says nothing
    ///   (never: Keras writes reset_after); checked against the config otherwise.
    /// - Throws: `FormatError` naming the archive and the layer, see
    ///   `KerasGRULayerSettings.stackLayers(inConfig:name:)` and `parameters(from:layers:)`.
    public static func parameters(from archive: KerasArchive, name: String, variant: GRUVariant? = nil) throws
        -> Import
    {
        let (layers, ignored) = try KerasGRULayerSettings.stackLayers(inConfig: archive.config, name: name)
        let parameters = try self.parameters(
            from: archive.weights, layers: layers, name: "\(name): model.weights.h5", variant: variant)
        let last = layers.last?.settings
        return Import(
            parameters: parameters, ignoredLayers: ignored,
            finalStatesOnlyLayer: last?.returnSequences == false ? last?.name : nil)
    }

    /// The GRU stack of a bare `.weights.h5`: the groups `layers/gru[_k]` or
    /// `layers/bidirectional[_k]` holding GRU cells, in the order of k, their sizes from the
    /// kernels' shapes and the variant from the bias's, else `variant` (default reset-after).
    ///
    /// - Throws: `FormatError` naming the file when it holds no GRU layer, both GRU and
    ///   Bidirectional layers (their order is not in the file), or misshapen weights.
    public static func parameters(from weights: KerasWeightsFile, name: String, variant: GRUVariant? = nil) throws
        -> Import
    {
        var found: [(index: Int, entry: LayerEntry)] = []
        var ignored: Set<String> = []
        for path in weights.tensors.keys {
            let components = path.split(separator: "/")
            guard components.count >= 2, components[0] == "layers" else {
                ignored.insert(String(path.split(separator: "/").dropLast().joined(separator: "/")))
                continue
            }
            let layer = "layers/" + components[1]
            guard let (kind, index) = stackLayerName(components[1]), path.hasPrefix(layer + "/") else {
                ignored.insert(layer)
                continue
            }
            if !found.contains(where: { $0.entry.path == layer }) {
                found.append((index, LayerEntry(path: layer, isBidirectional: kind == "bidirectional", settings: nil)))
            }
        }
        guard !found.isEmpty else {
            throw FormatError(
                name, "holds no GRU layer; expected groups layers/gru[_k]/cell/vars or layers/bidirectional[_k]/...")
        }
        guard Set(found.map(\.entry.isBidirectional)).count == 1 else {
            throw FormatError(
                name,
                "holds both GRU and Bidirectional layers, whose order a weights file does not record; "
                    + "expected one kind (use the .keras file)")
        }
        found.sort { $0.index < $1.index }
        let parameters = try self.parameters(from: weights, layers: found.map(\.entry), name: name, variant: variant)
        return Import(parameters: parameters, ignoredLayers: ignored.sorted())
    }

    /// ("gru", k) for `gru` (k = 0) or `gru_k`, ("bidirectional", k) likewise, else nil.
    private static func stackLayerName(_ name: Substring) -> (String, Int)? {
        for kind in ["gru", "bidirectional"] {
            if name == kind { return (kind, 0) }
            if name.hasPrefix(kind + "_"), let index = Int(name.dropFirst(kind.count + 1)), index > 0 {
                return (kind, index)
            }
        }
        return nil
    }

    /// The parameters of `layers`, read from `weights` and checked against each other and the
    /// layers' settings.
    static func parameters(
        from weights: KerasWeightsFile, layers: [LayerEntry], name: String, variant requested: GRUVariant?
    ) throws -> GRUParameters {
        // Sizes, bias and variant from the first cell; every other cell must agree.
        func tensor(_ path: String) -> Tensor? { weights.tensors[path] }
        let firstCell = cellPaths(of: layers[0].path, isBidirectional: layers[0].isBidirectional)[0]
        guard let recurrent = tensor(firstCell + "/1") else {
            throw FormatError(name, "has no dataset '\(firstCell)/1'; expected the recurrent kernel (H, 3H)")
        }
        guard recurrent.rank == 2, recurrent.shape[0] > 0, recurrent.shape[1] == 3 * recurrent.shape[0] else {
            throw FormatError(
                name, "'\(firstCell)/1' has shape \(recurrent.shape); expected the recurrent kernel (H, 3H)")
        }
        let h = recurrent.shape[0]
        guard let kernel = tensor(firstCell + "/0"), kernel.rank == 2, kernel.shape[0] > 0, kernel.shape[1] == 3 * h
        else {
            let found = tensor(firstCell + "/0").map { "has shape \($0.shape)" } ?? "is missing"
            throw FormatError(name, "'\(firstCell)/0' \(found); expected the kernel (I, \(3 * h))")
        }
        let bias = tensor(firstCell + "/2")
        let fileVariant: GRUVariant? =
            switch bias?.shape {
            case [2, 3 * h]?: .resetAfter
            case [3 * h]?: .resetBefore
            case nil: layers[0].settings.map { $0.resetAfter ? .resetAfter : .resetBefore }
            case let shape?:
                throw FormatError(
                    name, "'\(firstCell)/2' has shape \(shape); expected the bias (2, \(3 * h)) or (\(3 * h))")
            }
        if let requested, let fileVariant, requested != fileVariant {
            throw GRUInputError(
                .setting("--variant"), found: requested.rawValue,
                expected: "\(fileVariant.rawValue), what \(name) says (reset_after or the bias's shape)")
        }
        let configuration = GRUConfiguration(
            inputSize: kernel.shape[0], hiddenSize: h, layerCount: layers.count,
            isBidirectional: layers[0].isBidirectional, hasBias: bias != nil,
            variant: fileVariant ?? requested ?? .resetAfter, activation: layers[0].settings?.activation ?? .tanh,
            recurrentActivation: layers[0].settings?.recurrentActivation ?? .sigmoid)
        for layer in layers {
            try layer.settings?.check(against: configuration, name: name)
        }
        var parameters = GRUParameters(zerosFor: configuration)
        for (index, layer) in layers.enumerated() {
            guard layer.isBidirectional == configuration.isBidirectional else {
                throw FormatError(
                    name,
                    "'\(layer.path)' is \(layer.isBidirectional ? "" : "not ")bidirectional but the first layer "
                        + "is\(configuration.isBidirectional ? "" : " not"); expected one kind for the stack")
            }
            let inputSize = index == 0 ? configuration.inputSize : configuration.outputSize
            var expected = [("0", [inputSize, 3 * h]), ("1", [h, 3 * h])]
            if configuration.hasBias {
                expected.append(("2", configuration.variant == .resetAfter ? [2, 3 * h] : [3 * h]))
            }
            for (direction, cell) in cellPaths(of: layer.path, isBidirectional: layer.isBidirectional).enumerated() {
                var values: [String: [Float]] = [:]
                for (variable, shape) in expected {
                    guard let tensor = tensor(cell + "/" + variable), tensor.shape == shape else {
                        let found = tensor(cell + "/" + variable).map { "has shape \($0.shape)" } ?? "is missing"
                        throw FormatError(
                            name, "'\(cell)/\(variable)' \(found); expected \(shape) as layer \(index) of the stack")
                    }
                    values[variable] = tensor.scalars
                }
                if !configuration.hasBias, tensor(cell + "/2") != nil {
                    throw FormatError(name, "'\(cell)/2' is a bias, but the first layer has none; expected none")
                }
                func store(_ role: RecurrentParameterRole, _ keras: [Float], columns: Int) {
                    let slot = parameters.slot(role, layer: index, direction: direction)!
                    parameters.values.replaceSubrange(
                        slot.range, with: fromKeras(keras, hiddenSize: h, columns: columns))
                }
                store(.inputWeight, values["0"]!, columns: inputSize)
                store(.recurrentWeight, values["1"]!, columns: h)
                if let bias = values["2"] {
                    store(.inputBias, Array(bias.prefix(3 * h)), columns: 1)
                    if configuration.variant == .resetAfter {
                        store(.recurrentBias, Array(bias.suffix(3 * h)), columns: 1)
                    }
                }
            }
        }
        return parameters
    }
}
