import GRUFormats
import GRUTensor

/// The mapping between a GRU stack and ONNX's `GRU` operator, one node per layer (opset 14).
///
/// Letters: T time steps, B batch, I input size, H hidden size, D directions (1 or 2), L layers.
/// A `GRU` node takes X (T, B, I_k), W (D, 3H, I_k), R (D, 3H, H) and B (D, 6H) = [Wb, Rb], with
/// the gates in the order z, r, h, and returns Y (T, D, B, H) and Y_h (D, B, H). Direction 0
/// is forward and 1 reverse, as PyTorch's plain and `_reverse` tensors. `linear_before_reset`
/// = 1 is GRUKit's reset-after variant, 0 (ONNX's default) reset-before.
///
/// Export writes a graph with the input `input` (T, B, I) float, T and B dynamic, and, when
/// asked, `sequence_lens` (B) int32 and `initial_h` (L·D, B, H), split per layer; the outputs
/// are `Y` (T, B, D·H), the last layer's output as `GRU.forward` returns it, and `Y_h`
/// (L·D, B, H), the final states as PyTorch's `h_n`. Between layers, Y (T, D, B, H) becomes the
/// next X (T, B, D·H) through Squeeze (D = 1) or Transpose and Reshape (D = 2), as
/// `torch.onnx.export` writes it. `appendStack` emits the same nodes into a larger graph (a
/// whole model, GRUInterop's `ONNXModelExport`).
///
/// Import reads the weights of every `GRU` node in graph order as the layers of one stack; the
/// other nodes (those computing `initial_h`, reshaping Y, a head) are only followed to check
/// that each GRU node reads the Y of the one before; `initial_h` and `sequence_lens` are run-time
/// inputs, not parameters, and are not read. Each node must have its W, R and B as FLOAT
/// initializers, `layout` 0 and no `clip`; its `activations` (f for z and r, g for h) are any
/// pair of `RecurrentActivation`'s ONNX names, the same for both directions, HardSigmoid with
/// alpha 1/6 and beta 0.5 and Affine with alpha 1 and beta 0 (Keras 3's), which export writes
/// whenever they are not Sigmoid and Tanh.
public enum ONNXGRU {
    /// The operator set export writes: GRU-14, the first with the `layout` attribute.
    public static let opsetVersion: Int64 = 14

    // MARK: - Gate order

    /// ONNX stacks the gate blocks z, r, h; PyTorch and GRUKit r, z, n. Swapping the first two
    /// blocks of `gateSize` values turns either order into the other: the one place the
    /// reorder is written.
    static func reorderingGates(_ values: ArraySlice<Float>, gateSize: Int) -> [Float] {
        precondition(values.count == 3 * gateSize, "\(values.count) values for 3 gates of \(gateSize)")
        let start = values.startIndex
        return Array(values[(start + gateSize)..<(start + 2 * gateSize)]) + values[start..<(start + gateSize)]
            + values[(start + 2 * gateSize)...]
    }

    // MARK: - Export

    /// An ONNX model computing `parameters`' GRU stack with one `GRU` node per layer.
    ///
    /// - Parameters:
    ///   - parameters: The GRU's weights, in GRUKit's (PyTorch's) layout.
    ///   - takesSequenceLengths: Whether the graph has the input `sequence_lens` (B) int32, the
    ///     valid length of each sequence, passed to every layer.
    ///   - takesInitialState: Whether the graph has the input `initial_h` (L·D, B, H), the
    ///     initial states as PyTorch's `h_0` (layer-major), split per layer into each node's
    ///     `initial_h` (D, B, H); without it every layer starts from zeros.
    ///   - metadata: Entries for `metadata_props`, besides `variant`, which export sets.
    public static func model(
        of parameters: GRUParameters, takesSequenceLengths: Bool = false, takesInitialState: Bool = false,
        metadata: [String: String] = [:]
    ) -> ONNXModel {
        let configuration = parameters.configuration
        let h = configuration.hiddenSize, d = configuration.isBidirectional ? 2 : 1
        var model = ONNXModel(opsetImports: ["": opsetVersion], graphName: "gru")
        model.metadata = metadata.merging(["variant": configuration.variant.rawValue]) { _, variant in variant }
        model.inputs = [
            ONNXValueInfo(
                name: "input", elementType: .float,
                dimensions: [.symbolic("T"), .symbolic("B"), .fixed(configuration.inputSize)])
        ]
        if takesSequenceLengths {
            model.inputs.append(ONNXValueInfo(name: "sequence_lens", elementType: .int32, dimensions: [.symbolic("B")]))
        }
        if takesInitialState {
            model.inputs.append(
                ONNXValueInfo(
                    name: "initial_h", elementType: .float,
                    dimensions: [.fixed(configuration.layerCount * d), .symbolic("B"), .fixed(h)]))
        }
        let finalStates = (0..<configuration.layerCount).map {
            configuration.layerCount == 1 ? "Y_h" : "Y_h_l\($0)"
        }
        appendStack(
            of: parameters, to: &model, input: "input", output: "Y", finalStates: finalStates,
            sequenceLengths: takesSequenceLengths ? "sequence_lens" : nil,
            initialState: takesInitialState ? "initial_h" : nil)
        if finalStates.count > 1 {
            // (D, B, H) per layer -> (L·D, B, H), layer-major as PyTorch's h_n.
            model.nodes.append(
                ONNXNode(
                    name: "Concat_Y_h", opType: "Concat", inputs: finalStates, outputs: ["Y_h"],
                    attributes: ["axis": .int(0)]))
        }
        model.outputs = [
            ONNXValueInfo(
                name: "Y", elementType: .float, dimensions: [.symbolic("T"), .symbolic("B"), .fixed(d * h)]),
            ONNXValueInfo(
                name: "Y_h", elementType: .float,
                dimensions: [.fixed(configuration.layerCount * d), .symbolic("B"), .fixed(h)]),
        ]
        return model
    }

    /// Appends the nodes and initializers of `parameters`' GRU stack to `model`, so that a
    /// larger graph (a whole sequence model) can hold it: one `GRU` node per layer (`GRU_l<k>`,
    /// weights `W_l<k>`, `R_l<k>`, `B_l<k>`), each layer's Y (T, D, B, H) turned into the next
    /// layer's X (T, B, D·H).
    ///
    /// - Parameters:
    ///   - input: The value the first layer reads, (T, B, I) float.
    ///   - output: The name given to the last layer's output, (T, B, D·H).
    ///   - finalStates: The name given to each layer's Y_h (D, B, H), one per layer.
    ///   - sequenceLengths: The value every layer reads as `sequence_lens` (B) int32; nil for none.
    ///   - initialState: The value holding the initial states (L·D, B, H); nil for zeros.
    public static func appendStack(
        of parameters: GRUParameters, to model: inout ONNXModel, input: String, output: String,
        finalStates: [String], sequenceLengths: String? = nil, initialState: String? = nil
    ) {
        let configuration = parameters.configuration
        precondition(finalStates.count == configuration.layerCount, "one final-state name per layer")
        let h = configuration.hiddenSize, d = configuration.isBidirectional ? 2 : 1
        if d == 1 {
            model.initializers.append(.init(name: "squeeze_axes", value: .int64([1])))
        } else {
            model.initializers.append(.init(name: "merge_directions", value: .int64([0, 0, -1])))
        }
        // Each layer's initial_h (D, B, H): the whole input for one layer, else equal parts along axis 0.
        var layerInitialStates: [String] = []
        if let initialState {
            if configuration.layerCount == 1 {
                layerInitialStates = [initialState]
            } else {
                layerInitialStates = (0..<configuration.layerCount).map { "initial_h_l\($0)" }
                model.nodes.append(
                    ONNXNode(
                        name: "Split_initial_h", opType: "Split", inputs: [initialState],
                        outputs: layerInitialStates, attributes: ["axis": .int(0)]))
            }
        }
        var layerInput = input
        for layer in 0..<configuration.layerCount {
            let names = (w: "W_l\(layer)", r: "R_l\(layer)", b: "B_l\(layer)")
            let inputSize = layer == 0 ? configuration.inputSize : d * h
            var w: [Float] = [], r: [Float] = [], b: [Float] = []
            for direction in 0..<d {
                func reordered(_ role: RecurrentParameterRole, columns: Int) -> [Float] {
                    let slot = parameters.slot(role, layer: layer, direction: direction)!
                    return reorderingGates(parameters.values[slot.range], gateSize: h * columns)
                }
                w += reordered(.inputWeight, columns: inputSize)
                r += reordered(.recurrentWeight, columns: h)
                if configuration.hasBias {
                    b += reordered(.inputBias, columns: 1) + reordered(.recurrentBias, columns: 1)
                }
            }
            model.initializers.append(
                .init(name: names.w, value: .float(Tensor(shape: [d, 3 * h, inputSize], scalars: w))))
            model.initializers.append(.init(name: names.r, value: .float(Tensor(shape: [d, 3 * h, h], scalars: r))))
            var inputs = [layerInput, names.w, names.r, configuration.hasBias ? names.b : ""]
            if configuration.hasBias {
                model.initializers.append(.init(name: names.b, value: .float(Tensor(shape: [d, 6 * h], scalars: b))))
            }
            inputs.append(sequenceLengths ?? "")
            inputs.append(layerInitialStates.isEmpty ? "" : layerInitialStates[layer])
            while inputs.last == "" { inputs.removeLast() }

            let isLast = layer == configuration.layerCount - 1
            let sequence = "Y_l\(layer)"
            let layerOutput = isLast ? output : "X_l\(layer + 1)"
            model.nodes.append(
                ONNXNode(
                    name: "GRU_l\(layer)", opType: "GRU", inputs: inputs, outputs: [sequence, finalStates[layer]],
                    attributes: [
                        "hidden_size": .int(Int64(h)),
                        "direction": .string(d == 2 ? "bidirectional" : "forward"),
                        "linear_before_reset": .int(configuration.variant == .resetAfter ? 1 : 0),
                    ].merging(activationAttributes(configuration, directions: d)) { $1 }))
            if d == 1 {
                // (T, 1, B, H) -> (T, B, H)
                model.nodes.append(
                    ONNXNode(
                        name: "Squeeze_l\(layer)", opType: "Squeeze", inputs: [sequence, "squeeze_axes"],
                        outputs: [layerOutput]))
            } else {
                // (T, 2, B, H) -> (T, B, 2, H) -> (T, B, 2H): forward features first, as GRUKit's output.
                let transposed = "Y_l\(layer)_TBDH"
                model.nodes.append(
                    ONNXNode(
                        name: "Transpose_l\(layer)", opType: "Transpose", inputs: [sequence], outputs: [transposed],
                        attributes: ["perm": .ints([0, 2, 1, 3])]))
                model.nodes.append(
                    ONNXNode(
                        name: "Reshape_l\(layer)", opType: "Reshape", inputs: [transposed, "merge_directions"],
                        outputs: [layerOutput]))
            }
            layerInput = layerOutput
        }
    }

    /// `activations` (f for z and r, g for h, per direction) and, for those that take them,
    /// `activation_alpha` and `activation_beta` in the order of the activations; none for
    /// PyTorch's Sigmoid and Tanh, ONNX's defaults.
    static func activationAttributes(_ configuration: GRUConfiguration, directions: Int) -> [String: ONNXAttribute] {
        guard !configuration.hasDefaultActivations else { return [:] }
        let activations = Array(
            repeating: [configuration.recurrentActivation, configuration.activation], count: directions
        ).flatMap { $0 }
        var attributes: [String: ONNXAttribute] = ["activations": .strings(activations.map(\.onnxName))]
        let parameters = activations.compactMap(\.onnxAlphaBeta)
        if !parameters.isEmpty {
            attributes["activation_alpha"] = .floats(parameters.map(\.alpha))
            attributes["activation_beta"] = .floats(parameters.map(\.beta))
        }
        return attributes
    }

    /// The (gate, candidate) activations of a node's `activations`, `activation_alpha` and
    /// `activation_beta`; `failure` makes the error of a problem that makes them unusable.
    static func activations(
        of attributes: [String: ONNXAttribute], directions: Int, failure: (String) -> FormatError
    ) throws -> (gate: RecurrentActivation, candidate: RecurrentActivation) {
        guard let given = attributes["activations"] else {
            guard attributes["activation_alpha"] == nil, attributes["activation_beta"] == nil else {
                throw failure("activation_alpha or activation_beta without activations")
            }
            return (.sigmoid, .tanh)
        }
        let accepted = RecurrentActivation.allCases.map(\.onnxName).joined(separator: ", ")
        guard case .strings(let names) = given, names.count == 2 * directions else {
            throw failure("activations \(given); expected \(2 * directions) names, f and g per direction")
        }
        var parsed: [RecurrentActivation] = []
        for name in names {
            guard let activation = try? RecurrentActivation(parsing: name) else {
                throw failure("activation '\(name)' is unsupported; expected one of \(accepted)")
            }
            parsed.append(activation)
        }
        guard (0..<directions).allSatisfy({ parsed[2 * $0] == parsed[0] && parsed[2 * $0 + 1] == parsed[1] }) else {
            throw failure("activations \(names) differ by direction; expected one pair for both")
        }
        // The parameters are consumed in the order of the activations that take them.
        let expected = parsed.compactMap(\.onnxAlphaBeta)
        for (name, values) in [
            ("activation_alpha", expected.map(\.alpha)), ("activation_beta", expected.map(\.beta)),
        ] {
            let found: [Float]
            switch attributes[name] {
            case nil: found = []
            case .floats(let floats)?: found = floats
            case let other?: throw failure("\(name) is \(other); expected floats")
            }
            guard found.count == values.count, zip(found, values).allSatisfy({ abs($0 - $1) <= 1e-6 }) else {
                let wanted = values.isEmpty ? "none" : values.map { "\($0)" }.joined(separator: ", ")
                throw failure(
                    "\(name) \(found) is unsupported for activations \(names.joined(separator: ", ")); "
                        + "expected \(wanted) (HardSigmoid alpha 1/6 beta 0.5, Affine alpha 1 beta 0)")
            }
        }
        return (parsed[0], parsed[1])
    }

    // MARK: - Import

    /// The GRU stack formed by the model's `GRU` nodes, in graph order, one per layer.
    ///
    /// - Throws: `FormatError` naming the file and, where one is at fault, the node and its op:
    ///   no `GRU` node; activations other than Sigmoid and Tanh, `clip`, `layout` 1, `direction`
    ///   reverse or an unknown attribute; W, R or B not a FLOAT initializer (a dynamic weight);
    ///   shapes that disagree with each other or with the layer before; layers of different
    ///   variants; a GRU node whose X is not computed from the Y of the GRU node before it.
    public static func parameters(from model: ONNXModel) throws -> GRUParameters {
        do {
            return try unescapedParameters(from: model)
        } catch let error as FormatError {
            throw error.escapingControlCharacters  // node and tensor names come from the file
        }
    }

    private static func unescapedParameters(from model: ONNXModel) throws -> GRUParameters {
        let nodes = model.nodes.filter { $0.opType == "GRU" && ($0.domain.isEmpty || $0.domain == "ai.onnx") }
        guard !nodes.isEmpty else {
            throw FormatError(
                model.fileName, "has no GRU node; expected one per layer (op types found: \(opTypes(of: model)))")
        }
        let layers = try nodes.map { try Layer(node: $0, model: model) }
        let first = layers[0]
        for (index, layer) in layers.enumerated() {
            func failure(_ problem: String) -> FormatError {
                FormatError(model.fileName, "\(layer.node.label): \(problem)")
            }
            guard layer.variant == first.variant else {
                throw failure(
                    "has linear_before_reset \(layer.variant == .resetAfter ? 1 : 0) but the first GRU node "
                        + "\(first.variant == .resetAfter ? 1 : 0); expected one variant for the stack")
            }
            guard layer.activation == first.activation, layer.recurrentActivation == first.recurrentActivation else {
                throw failure(
                    "has activations \(layer.recurrentActivation.onnxName), \(layer.activation.onnxName) but the "
                        + "first GRU node \(first.recurrentActivation.onnxName), \(first.activation.onnxName); "
                        + "expected one pair for the stack")
            }
            guard layer.directionCount == first.directionCount, layer.hiddenSize == first.hiddenSize else {
                throw failure(
                    "has \(layer.directionCount) direction(s) and hidden size \(layer.hiddenSize); expected "
                        + "\(first.directionCount) and \(first.hiddenSize) as the first GRU node")
            }
            let expectedInput = first.directionCount * first.hiddenSize
            guard index == 0 || layer.inputSize == expectedInput else {
                throw failure("has input size \(layer.inputSize); expected \(expectedInput), the layer below's D·H")
            }
            if index > 0, let below = layers[index - 1].node.outputs.first,
                !reads(layer.node.inputs[0], from: below, in: model)
            {
                throw failure(
                    "reads '\(layer.node.inputs[0])', which does not come from '\(below)', the Y of "
                        + "\(layers[index - 1].node.label); expected the GRU nodes to form one stack")
            }
        }
        let configuration = GRUConfiguration(
            inputSize: first.inputSize, hiddenSize: first.hiddenSize, layerCount: layers.count,
            isBidirectional: first.directionCount == 2, hasBias: layers.contains { $0.bias != nil },
            variant: first.variant, activation: first.activation, recurrentActivation: first.recurrentActivation)
        var parameters = GRUParameters(zerosFor: configuration)
        let h = configuration.hiddenSize
        for (index, layer) in layers.enumerated() {
            for direction in 0..<layer.directionCount {
                func store(_ role: RecurrentParameterRole, _ values: ArraySlice<Float>) {
                    let slot = parameters.slot(role, layer: index, direction: direction)!
                    parameters.values.replaceSubrange(
                        slot.range, with: reorderingGates(values, gateSize: values.count / 3))
                }
                store(.inputWeight, slice(layer.inputWeight, direction))
                store(.recurrentWeight, slice(layer.recurrentWeight, direction))
                if let bias = layer.bias {
                    let both = slice(bias, direction)
                    store(.inputBias, both.prefix(3 * h))
                    store(.recurrentBias, both.suffix(3 * h))
                }
            }
        }
        return parameters
    }

    /// Whether the value `name` is `source` or computed from it by the model's nodes.
    private static func reads(_ name: String, from source: String, in model: ONNXModel) -> Bool {
        var producers: [String: ONNXNode] = [:]
        for node in model.nodes {
            for output in node.outputs where !output.isEmpty { producers[output] = node }
        }
        var pending = [name]
        var visited: Set<String> = []
        while let value = pending.popLast() {
            if value == source { return true }
            guard visited.insert(value).inserted, let producer = producers[value] else { continue }
            pending += producer.inputs.filter { !$0.isEmpty }
        }
        return false
    }

    /// The values of one direction of a (D, ...) tensor.
    private static func slice(_ tensor: Tensor, _ direction: Int) -> ArraySlice<Float> {
        let size = tensor.count / tensor.shape[0]
        return tensor.scalars[(direction * size)..<((direction + 1) * size)]
    }

    private static func opTypes(of model: ONNXModel) -> String {
        var seen: [String] = []
        for node in model.nodes where !seen.contains(node.opType) { seen.append(node.opType) }
        return seen.isEmpty ? "none" : listForMessage(seen)
    }

    /// One `GRU` node, checked: its attributes and its weights.
    private struct Layer {
        let node: ONNXNode
        let variant: GRUVariant
        let directionCount: Int
        let hiddenSize: Int
        let inputSize: Int
        let inputWeight: Tensor  // (D, 3H, I)
        let recurrentWeight: Tensor  // (D, 3H, H)
        let bias: Tensor?  // (D, 6H)
        let activation: RecurrentActivation
        let recurrentActivation: RecurrentActivation

        static let knownAttributes: Set<String> = [
            "activation_alpha", "activation_beta", "activations", "clip", "direction", "hidden_size", "layout",
            "linear_before_reset",
        ]

        init(node: ONNXNode, model: ONNXModel) throws {
            self.node = node
            func failure(_ problem: String) -> FormatError { FormatError(model.fileName, "\(node.label): \(problem)") }
            let attributes = node.attributes
            if let unknown = attributes.keys.sorted().first(where: { !Self.knownAttributes.contains($0) }) {
                throw failure("attribute '\(unknown)' is unsupported")
            }
            if attributes["clip"] != nil { throw failure("clip is unsupported; expected none") }
            switch attributes["direction"] {
            case nil, .string("forward"): directionCount = 1
            case .string("bidirectional"): directionCount = 2
            case .string(let other):
                throw failure("direction '\(other)' is unsupported; expected forward or bidirectional")
            case let other?: throw failure("direction is \(other); expected the string forward or bidirectional")
            }
            (recurrentActivation, activation) = try ONNXGRU.activations(
                of: attributes, directions: directionCount, failure: failure)
            switch attributes["layout"] {
            case nil, .int(0): break
            case let other?: throw failure("layout \(other) is unsupported; expected 0 (time-major)")
            }
            switch attributes["linear_before_reset"] {
            case nil, .int(0): variant = .resetBefore
            case .int(1): variant = .resetAfter
            case let other?: throw failure("linear_before_reset \(other) is unsupported; expected 0 or 1")
            }

            func weight(_ position: Int, _ role: String) throws -> Tensor? {
                guard position < node.inputs.count, !node.inputs[position].isEmpty else { return nil }
                let name = node.inputs[position]
                switch model.initializer(named: name) {
                case .float(let tensor)?: return tensor
                case nil:
                    throw failure("\(role) '\(name)' is not an initializer; dynamic weights are unsupported")
                case let other?:
                    throw failure("\(role) '\(name)' holds \(other.elementType) values; expected FLOAT")
                }
            }
            guard let w = try weight(1, "W"), let r = try weight(2, "R") else {
                throw failure("has inputs \(node.inputs); expected X, W and R at least")
            }
            guard r.rank == 3, r.shape[0] == directionCount, r.shape[2] > 0, r.shape[1] == 3 * r.shape[2] else {
                throw failure("R has shape \(r.shape); expected (\(directionCount), 3H, H)")
            }
            hiddenSize = r.shape[2]
            if case .int(let declared) = attributes["hidden_size"], declared != hiddenSize {
                throw failure("hidden_size is \(declared) but R has shape \(r.shape); expected them to agree")
            }
            guard w.rank == 3, w.shape[0] == directionCount, w.shape[1] == 3 * hiddenSize, w.shape[2] > 0 else {
                throw failure("W has shape \(w.shape); expected (\(directionCount), \(3 * hiddenSize), I)")
            }
            inputSize = w.shape[2]
            bias = try weight(3, "B")
            if let bias, bias.shape != [directionCount, 6 * hiddenSize] {
                throw failure("B has shape \(bias.shape); expected (\(directionCount), \(6 * hiddenSize))")
            }
            inputWeight = w
            recurrentWeight = r
            // initial_h is a run-time input of GRUKit's GRU; a non-zero constant one would be lost.
            if node.inputs.count > 5, !node.inputs[5].isEmpty,
                case .float(let state)? = model.initializer(named: node.inputs[5]),
                state.scalars.contains(where: { $0 != 0 })
            {
                throw failure(
                    "initial_h '\(node.inputs[5])' is a non-zero constant; expected a graph input or zeros "
                        + "(GRUKit takes the initial state at run time)")
            }
        }
    }
}
