import GRUFormats
import GRUNetworks
import GRUTensor

/// What an ONNX graph that `torch.onnx.export` wrote (TorchScript exporter, opset 14) computes
/// between its input and its Linear head, found by following every value from the graph's
/// inputs, node by node in graph order.
///
/// Letters: T time steps, B batch, F features, H hidden size, D directions, L layers, C head
/// outputs. The paths followed are those the exporter writes for `nn.GRU` and `nn.Linear`:
///
///     input (T, B, F) or (B, T, F) --[Transpose 1,0,2 when batch_first]--> GRU layer 0
///     GRU Y (T, D, B, H) --Squeeze 1 (D = 1) | Transpose 0,2,1,3 + Reshape 0,0,-1--> (T, B, D·H)
///       --> the next GRU layer, or [Transpose 1,0,2] --> MatMul + Add: a head on every step (tag)
///     GRU Y_h (D, B, H) per layer --Concat 0--> h_n (L·D, B, H) --Gather 0, -1 [and -2, Concat 1]-->
///       (B, D·H) --> Gemm or MatMul + Add: a head on the final state (classify, last state);
///       Squeeze 0 for h_n.squeeze(0) of one unidirectional layer
///     the last layer's (T, B, H) or (B, T, H) --Gather time, -1--> (B, H): the same, D = 1 only
///
/// With `pack_padded_sequence` the lengths input reaches every GRU node's `sequence_lens`
/// through Casts; with `enforce_sorted=False` the batch is sorted by length before the GRU
/// (TopK, Gather) and put back after it (ScatterElements, Gather), which changes nothing for
/// GRUKit, whose batches need no order. Values computed only from shapes and constants (the
/// zero `initial_h`, `Shape`, `Range`) are not followed. Any other op reading a followed value
/// is an error naming the node.
struct ONNXTorchGraphWalk {
    /// Which GRU output the head reads.
    enum HeadInput: Equatable {
        /// The last layer's output at every step: a tagger.
        case everyStep
        /// The last layer's final state, both directions side by side: a classifier.
        case finalState
    }

    /// The model the graph computes.
    struct Result {
        /// The GRU stack, as `ONNXGRU` reads its nodes.
        var gru: GRUParameters
        /// What the head reads.
        var headInput: HeadInput
        /// The head's weight (C, D·H), PyTorch's `nn.Linear` layout.
        var headWeight: Tensor
        /// The head's bias (C); zeros when the graph adds none.
        var headBias: Tensor
    }

    // MARK: - Roles

    /// An axis of a followed tensor; the input's first two are told apart by the first GRU.
    private enum Axis: Hashable {
        case input0, input1, time, batch, direction, feature
    }

    /// The input, or a GRU layer's output, with its axes in order.
    private struct Sequence {
        /// nil for the graph's input, else the GRU layer whose Y this is.
        var layer: Int?
        var axes: [Axis]
        /// The axis along which the batch was sorted by length, when it was.
        var sortedAlong: Axis?

        /// Whether the axes are time, batch and features in some order (no direction axis).
        var isMerged: Bool { axes.count == 3 && !axes.contains(.direction) && axes.last == .feature }
    }

    /// What a value holds, for the values computed from the graph's inputs.
    private enum Role {
        case sequence(Sequence)
        /// Rows of h_n (L·D, B, H): layer k's Y_h holds rows k·D ..< (k+1)·D.
        case states(rows: Range<Int>, sorted: Bool)
        /// The rows of h_n side by side, (B, rows·H): one row after Gather, more after Concat 1.
        case summary(rows: [Int], sorted: Bool)
        /// The last step of a layer's merged output, (B, D·H).
        case lastStep(layer: Int, sorted: Bool)
        case lengths, sortedLengths, sortOrder, inverseOrder
        /// A graph input that is neither the sequence nor its lengths.
        case otherInput
        /// MatMul of the head's input with its weight (C, D·H), before the bias.
        case headProduct(HeadInput, weight: Tensor)
        case head(HeadInput, weight: Tensor, bias: Tensor?)
        /// Computed from shapes and constants only: all zeros (ConstantOfShape of 0), or not.
        case zeros, auxiliary

        var isFollowed: Bool {
            switch self {
            case .zeros, .auxiliary: false
            default: true
            }
        }
    }

    // MARK: - State

    private let model: ONNXModel
    private let gru: GRUParameters
    private var roles: [String: Role] = [:]
    private var constants: [String: ONNXTensor] = [:]
    private var gruNodesSeen = 0
    /// Whether the GRU nodes read `sequence_lens`, once the first has been seen: all or none must.
    private var readsLengths: Bool?

    private var layerCount: Int { gru.configuration.layerCount }
    private var directionCount: Int { gru.configuration.isBidirectional ? 2 : 1 }
    private var hiddenSize: Int { gru.configuration.hiddenSize }

    /// The model that `model`'s graph computes.
    ///
    /// - Throws: `FormatError` naming the file and, where one is at fault, the node, its op and
    ///   what GRUKit cannot represent.
    static func result(of model: ONNXModel) throws -> Result {
        do {
            var walk = try ONNXTorchGraphWalk(model: model)
            return try walk.run()
        } catch let error as FormatError {
            throw error.escapingControlCharacters  // node and value names come from the file
        }
    }

    private init(model: ONNXModel) throws {
        self.model = model
        // The GRU nodes' attributes and weights, checked first (activations, clip, dynamic weights).
        gru = try ONNXGRU.parameters(from: model)
        for initializer in model.initializers { constants[initializer.name] = initializer.value }
        let inputs = model.inputs.filter { constants[$0.name] == nil }
        let sequences = inputs.filter { $0.elementType == .float && ($0.dimensions?.count ?? 3) == 3 }
        guard sequences.count == 1 else {
            throw FormatError(
                model.fileName,
                "has \(sequences.count) float inputs of rank 3 (\(listForMessage(sequences.map(\.name)))); "
                    + "expected one, the sequences (T, B, F) or (B, T, F)")
        }
        for input in inputs {
            if input.name == sequences[0].name {
                roles[input.name] = .sequence(Sequence(layer: nil, axes: [.input0, .input1, .feature]))
            } else if [.int32, .int64].contains(input.elementType), (input.dimensions?.count ?? 1) == 1 {
                roles[input.name] = .lengths
            } else {
                roles[input.name] = .otherInput
            }
        }
    }

    private mutating func run() throws -> Result {
        for node in model.nodes { try visit(node) }
        var heads: [(name: String, input: HeadInput, weight: Tensor, bias: Tensor?)] = []
        for output in model.outputs {
            switch roles[output.name] {
            case .head(let input, let weight, let bias)?: heads.append((output.name, input, weight, bias))
            case .headProduct(let input, let weight)?: heads.append((output.name, input, weight, nil))
            default: continue
            }
        }
        guard heads.count == 1, let head = heads.first else {
            if heads.isEmpty {
                throw FormatError(
                    model.fileName,
                    "has no Linear head (MatMul and Add, or Gemm) after its GRU among its outputs "
                        + "(\(listForMessage(model.outputs.map(\.name)))); expected one (use gru convert for a bare GRU)"
                )
            }
            throw FormatError(
                model.fileName,
                "has \(heads.count) outputs computed by a Linear head (\(listForMessage(heads.map(\.name)))); "
                    + "expected one")
        }
        let classes = head.weight.shape[0]
        return Result(
            gru: gru, headInput: head.input, headWeight: head.weight,
            headBias: head.bias ?? Tensor(shape: [classes], scalars: Array(repeating: 0, count: classes)))
    }

    // MARK: - Nodes

    private mutating func visit(_ node: ONNXNode) throws {
        let fileName = model.fileName
        func failure(_ problem: String) -> FormatError { FormatError(fileName, "\(node.label): \(problem)") }
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw failure("is in the domain '\(node.domain)'; expected the default ONNX operators")
        }
        if node.opType == "Constant" {
            if let output = node.outputs.first, let value = constantValue(of: node) { constants[output] = value }
            return
        }
        let followed = node.inputs.enumerated().compactMap { index, name -> (index: Int, name: String, role: Role)? in
            guard !name.isEmpty, let role = roles[name], role.isFollowed else { return nil }
            return (index, name, role)
        }
        if followed.isEmpty && node.opType != "GRU" {
            let zeros =
                node.opType == "ConstantOfShape"
                ? isZeroFill(node)
                : ["Slice", "Gather", "Reshape", "Unsqueeze", "Squeeze", "Expand", "Identity"].contains(node.opType)
                    && roles[node.inputs.first ?? ""].map { if case .zeros = $0 { true } else { false } } == true
            for output in node.outputs where !output.isEmpty { roles[output] = zeros ? .zeros : .auxiliary }
            return
        }
        if let readsHead = followed.first(where: { if case .head = $0.role { true } else { false } }) {
            throw failure(
                "reads '\(readsHead.name)', the Linear head's output; expected nothing after the head "
                    + "(GRUKit models end with it)")
        }
        if let other = followed.first(where: { if case .otherInput = $0.role { true } else { false } }) {
            throw failure(
                "reads the graph input '\(other.name)'; expected the model to read only the sequences "
                    + "and their lengths (GRUKit models start from a zero state)")
        }
        if node.opType == "GRU" {
            try visitGRU(node, failure: failure)
            return
        }
        guard let first = followed.first, let output = node.outputs.first, !output.isEmpty else {
            throw failure("has no output; expected the ONNX operator's outputs")
        }
        func unsupported() -> FormatError {
            failure(
                "reads '\(first.name)', computed from the GRU's input or output, and GRUKit has no \(node.opType) "
                    + "there; expected Transpose, Squeeze, Reshape, Gather, Concat, GRU, MatMul, Add or Gemm")
        }
        switch (node.opType, first.role) {
        case ("Identity", _), ("Dropout", _):
            roles[output] = first.role
        case ("Cast", .lengths), ("Cast", .sortedLengths), ("Cast", .sortOrder), ("Cast", .inverseOrder):
            roles[output] = first.role
        case ("Cast", _):
            guard node.attributes["to"] == .int(Int64(ONNXElementType.float.rawValue)) else { throw unsupported() }
            roles[output] = first.role
        case ("Shape", _), ("Size", _):
            roles[output] = .auxiliary
        case ("Transpose", .sequence(var sequence)):
            guard case .ints(let perm)? = node.attributes["perm"], perm.count == sequence.axes.count,
                Set(perm) == Set(0..<Int64(perm.count))
            else {
                throw failure(
                    "has perm \(node.attributes["perm"].map { "\($0)" } ?? "none"); expected a permutation "
                        + "of the \(sequence.axes.count) axes")
            }
            sequence.axes = perm.map { sequence.axes[Int($0)] }
            roles[output] = .sequence(sequence)
        case ("Squeeze", .sequence(var sequence)):
            let axes = try integers(node, input: 1, attribute: "axes", failure: failure)
            guard axes.count == 1, let axis = normalized(axes[0], count: sequence.axes.count),
                sequence.axes[axis] == .direction, directionCount == 1
            else {
                throw failure("squeezes the axes \(axes); expected only the direction axis of a unidirectional GRU's Y")
            }
            sequence.axes.remove(at: axis)
            roles[output] = .sequence(sequence)
        case ("Squeeze", .states(let rows, let sorted)):
            // h_n.squeeze(0) of a one-layer unidirectional GRU: its one row, (B, H).
            let axes = try integers(node, input: 1, attribute: "axes", failure: failure)
            guard axes == [0], rows.count == 1 else {
                throw failure("squeezes the axes \(axes) of \(rows.count) final states; expected axis 0 of one")
            }
            roles[output] = .summary(rows: [rows.lowerBound], sorted: sorted)
        case ("Reshape", .sequence(var sequence)):
            let shape = try integers(node, input: 1, attribute: nil, failure: failure)
            let width = Int64(directionCount * hiddenSize)
            guard sequence.axes.suffix(2) == [.direction, .feature], shape.count == sequence.axes.count - 1,
                shape.dropLast().allSatisfy({ $0 == 0 }), [-1, width].contains(shape.last!),
                node.attributes["allowzero"] ?? .int(0) == .int(0)
            else {
                throw failure(
                    "reshapes \(sequence.axes) to \(shape); expected the directions merged into the features, "
                        + "(…, D, H) to (…, D·H) by the shape [0, 0, -1]")
            }
            sequence.axes.removeLast(2)
            sequence.axes.append(.feature)
            roles[output] = .sequence(sequence)
        case ("Concat", _):
            try visitConcat(node, failure: failure)
        case ("Gather", _):
            try visitGather(node, failure: failure)
        case ("TopK", .lengths):
            guard node.outputs.count == 2, node.attributes["largest"] ?? .int(1) == .int(1),
                node.attributes["sorted"] ?? .int(1) == .int(1)
            else {
                throw failure("does not sort the lengths in decreasing order; expected pack_padded_sequence's sort")
            }
            roles[node.outputs[0]] = .sortedLengths
            roles[node.outputs[1]] = .sortOrder
        case ("ScatterElements", .sortOrder) where first.index == 1:
            // The inverse permutation: zeros with position i set to where sorting moved sequence i.
            guard let base = roles[node.inputs[0]], case .zeros = base,
                node.inputs.count == 3,
                model.nodes.contains(where: { $0.opType == "Range" && $0.outputs == [node.inputs[2]] })
            else { throw failure("does not invert the length sort; expected ScatterElements(zeros, order, Range)") }
            roles[output] = .inverseOrder
        case ("MatMul", _), ("Gemm", _):
            try visitHeadProduct(node, failure: failure)
        case ("Add", .headProduct(let input, let weight)):
            let other = node.inputs.count == 2 ? node.inputs[1 - first.index] : ""
            guard case .float(let bias)? = constants[other], bias.shape == [weight.shape[0]] else {
                throw failure(
                    "adds '\(other)' to the head's product; expected a constant bias of \(weight.shape[0]) values")
            }
            roles[output] = .head(input, weight: weight, bias: bias)
        default:
            throw unsupported()
        }
    }

    private mutating func visitGRU(_ node: ONNXNode, failure: (String) -> FormatError) throws {
        let layer = gruNodesSeen
        gruNodesSeen += 1
        func input(_ position: Int) -> String { position < node.inputs.count ? node.inputs[position] : "" }
        guard case .sequence(let x)? = roles[input(0)], x.isMerged else {
            throw failure(
                "reads X '\(input(0))', which is not computed from the graph's sequences; expected the input "
                    + "(T, B, F) or the layer below's Y merged to (T, B, D·H)")
        }
        if layer == 0 {
            guard x.layer == nil, Set(x.axes.prefix(2)) == [.input0, .input1] else {
                throw failure("reads X '\(input(0))' as \(x.axes); expected the graph's input, time-major")
            }
        } else {
            guard x.layer == layer - 1, x.axes == [.time, .batch, .feature] else {
                throw failure(
                    "reads X '\(input(0))'; expected the Y of GRU layer \(layer - 1) as (T, B, D·H), time-major")
            }
        }
        let sorted = x.sortedAlong != nil
        if let along = x.sortedAlong, along != x.axes[1] {
            throw failure("reads X '\(input(0))' sorted along its time axis; expected the batch sorted by length")
        }
        let lengths = input(4)
        let reads: Bool
        switch lengths.isEmpty ? nil : roles[lengths] {
        case nil where lengths.isEmpty && !sorted: reads = false
        case .lengths? where !sorted, .sortedLengths? where sorted: reads = true
        default:
            throw failure(
                "reads sequence_lens '\(lengths)'"
                    + (sorted
                        ? " for a batch sorted by length; expected the sorted lengths" : "; expected the lengths input")
                    + " (pack_padded_sequence's)")
        }
        if let earlier = readsLengths, earlier != reads {
            throw failure(
                "\(reads ? "reads" : "does not read") sequence_lens unlike the GRU below; expected every layer alike")
        }
        readsLengths = reads
        let initialState = input(5)
        if !initialState.isEmpty {
            switch (roles[initialState], constants[initialState]) {
            case (.zeros?, _): break
            case (nil, .float(let tensor)?) where tensor.scalars.allSatisfy({ $0 == 0 }): break
            default:
                throw failure(
                    "reads initial_h '\(initialState)', which is not zeros; expected zeros (GRUKit models start "
                        + "every sequence from a zero state)")
            }
        }
        let y = node.outputs.first ?? "", finalState = node.outputs.count > 1 ? node.outputs[1] : ""
        if !y.isEmpty {
            roles[y] = .sequence(
                Sequence(layer: layer, axes: [.time, .direction, .batch, .feature], sortedAlong: sorted ? .batch : nil))
        }
        if !finalState.isEmpty {
            let d = directionCount
            roles[finalState] = .states(rows: (layer * d)..<((layer + 1) * d), sorted: sorted)
        }
    }

    private mutating func visitConcat(_ node: ONNXNode, failure: (String) -> FormatError) throws {
        let axis: Int64
        if case .int(let value)? = node.attributes["axis"] { axis = value } else { axis = 0 }
        let parts = node.inputs.map { roles[$0] }
        var allRows: [Int] = []
        var sorted = false
        if axis == 0, parts.allSatisfy({ if case .states? = $0 { true } else { false } }) {
            for part in parts {
                guard case .states(let rows, let isSorted)? = part else { continue }
                allRows += rows
                sorted = sorted || isSorted
            }
            guard let first = allRows.first, allRows == Array(first..<(first + allRows.count)) else {
                throw failure(
                    "concatenates the final states of the GRU layers out of order; expected layer after layer")
            }
            roles[node.outputs[0]] = .states(rows: first..<(first + allRows.count), sorted: sorted)
            return
        }
        if axis == 1 || axis == -1, parts.allSatisfy({ if case .summary? = $0 { true } else { false } }) {
            for part in parts {
                guard case .summary(let rows, let isSorted)? = part else { continue }
                allRows += rows
                sorted = sorted || isSorted
            }
            roles[node.outputs[0]] = .summary(rows: allRows, sorted: sorted)
            return
        }
        throw failure(
            "concatenates \(listForMessage(node.inputs)) along axis \(axis); expected the layers' final states along "
                + "axis 0, or single final states (B, H) along axis 1")
    }

    private mutating func visitGather(_ node: ONNXNode, failure: (String) -> FormatError) throws {
        guard node.inputs.count == 2 else { throw failure("has \(node.inputs.count) inputs; expected 2") }
        let axis: Int64
        if case .int(let value)? = node.attributes["axis"] { axis = value } else { axis = 0 }
        let (data, indices) = (roles[node.inputs[0]], roles[node.inputs[1]])
        let output = node.outputs[0]
        let index: Int64? = {
            guard case .integer(let shape, let values, _)? = constants[node.inputs[1]], shape.isEmpty else {
                return nil
            }
            return values[0]
        }()
        switch (data, indices) {
        case (.states(let rows, let sorted)?, nil):
            guard axis == 0, let index, let row = normalized(index, count: rows.count) else {
                throw failure("selects \(node.inputs[1]) along axis \(axis) of h_n; expected one layer's state, h_n[i]")
            }
            roles[output] = .summary(rows: [rows.lowerBound + row], sorted: sorted)
        case (.sequence(let sequence)?, nil):
            guard let position = normalized(axis, count: sequence.axes.count), sequence.isMerged,
                let layer = sequence.layer, sequence.axes[position] == .time, index == -1
            else {
                throw failure(
                    "selects '\(node.inputs[1])' along axis \(axis) of a GRU output; expected its last step, y[-1] "
                        + "or y[:, -1]")
            }
            guard directionCount == 1 else {
                throw failure(
                    "takes the last step of a bidirectional GRU's output, whose backward half has seen one step; "
                        + "expected h_n (torch.cat([h_n[-2], h_n[-1]], 1)), which GRUKit's last-state pooling reads")
            }
            roles[output] = .lastStep(layer: layer, sorted: sequence.sortedAlong != nil)
        case (.sequence(var sequence)?, .sortOrder?):
            guard sequence.layer == nil, sequence.sortedAlong == nil,
                let position = normalized(axis, count: sequence.axes.count), sequence.axes[position] != .feature
            else { throw failure("sorts a value that is not the graph's input by length; expected the input") }
            sequence.sortedAlong = sequence.axes[position]
            roles[output] = .sequence(sequence)
        case (.sequence(var sequence)?, .inverseOrder?):
            guard sequence.sortedAlong != nil, let position = normalized(axis, count: sequence.axes.count),
                sequence.axes[position] == .batch
            else {
                throw failure("restores the batch order along axis \(axis); expected the batch axis of a sorted output")
            }
            sequence.sortedAlong = nil
            roles[output] = .sequence(sequence)
        default:
            throw failure(
                "selects '\(node.inputs[1])' from '\(node.inputs[0])'; expected h_n[i], the last step of a "
                    + "unidirectional GRU's output, or pack_padded_sequence's sort")
        }
    }

    /// MatMul of the head's input with a constant (D·H, C), or Gemm with a constant weight and bias.
    private mutating func visitHeadProduct(_ node: ONNXNode, failure: (String) -> FormatError) throws {
        guard node.inputs.count >= 2, let inputRole = roles[node.inputs[0]] else {
            throw failure("has the inputs \(node.inputs); expected the head's input first")
        }
        let headInput = try self.headInput(reading: inputRole, name: node.inputs[0], node: node, failure: failure)
        let width = directionCount * hiddenSize
        guard case .float(let matrix)? = constants[node.inputs[1]], matrix.rank == 2 else {
            throw failure(
                "has the weight '\(node.inputs[1])', which is not a constant FLOAT matrix; dynamic weights "
                    + "are unsupported")
        }
        var transposes = true
        if node.opType == "Gemm" {
            for (name, expected) in [("alpha", Float(1)), ("beta", 1)] {
                if case .float(let value)? = node.attributes[name], value != expected {
                    throw failure("has \(name) \(value); expected 1 (a plain Linear head)")
                }
            }
            if case .int(let value)? = node.attributes["transA"], value != 0 {
                throw failure("has transA \(value); expected 0")
            }
            if case .int(let value)? = node.attributes["transB"], value != 0 { transposes = false }
        }
        let weight = transposes ? Self.transposed(matrix) : matrix  // (C, D·H)
        guard weight.shape[1] == width else {
            throw failure("has the weight '\(node.inputs[1])' of shape \(matrix.shape); expected \(width) inputs, D·H")
        }
        if node.opType == "MatMul" {
            roles[node.outputs[0]] = .headProduct(headInput, weight: weight)
            return
        }
        var bias: Tensor?
        if node.inputs.count > 2, !node.inputs[2].isEmpty {
            guard case .float(let tensor)? = constants[node.inputs[2]], tensor.count == weight.shape[0],
                tensor.rank == 1
            else {
                throw failure("has the bias '\(node.inputs[2])'; expected a constant of \(weight.shape[0]) values")
            }
            bias = tensor
        }
        roles[node.outputs[0]] = .head(headInput, weight: weight, bias: bias)
    }

    /// What the head reads: the last layer's output at every step, or its final state.
    private func headInput(
        reading role: Role, name: String, node: ONNXNode, failure: (String) -> FormatError
    ) throws -> HeadInput {
        let last = layerCount - 1, d = directionCount
        switch role {
        case .sequence(let sequence) where sequence.layer == last && sequence.isMerged:
            guard sequence.sortedAlong == nil else {
                throw failure("reads '\(name)' still sorted by length; expected the batch in its order")
            }
            if node.opType == "Gemm" { throw failure("reads every step with Gemm; expected MatMul") }
            return .everyStep
        case .summary(let rows, let sorted):
            let expected = Array((last * d)..<((last + 1) * d))
            guard rows == expected, !sorted else {
                throw failure(
                    "reads the rows \(rows) of h_n; expected the last layer's final state"
                        + (d == 2 ? ", h_n[-2] and h_n[-1] in that order" : ", h_n[-1]"))
            }
            return .finalState
        case .lastStep(let layer, let sorted) where layer == last && !sorted:
            return .finalState
        default:
            throw failure(
                "reads '\(name)'; expected the last GRU layer's output at every step or its final state")
        }
    }

    // MARK: - Constants

    /// The value of a `Constant` node, for the attributes TorchScript writes.
    private func constantValue(of node: ONNXNode) -> ONNXTensor? {
        switch node.attributes["value"] ?? node.attributes["value_ints"] ?? node.attributes["value_int"] {
        case .tensor(let tensor)?: tensor
        case .ints(let values)?: .int64(values)
        case .int(let value)?: .int64([value], shape: [])
        default: nil
        }
    }

    /// Whether a ConstantOfShape fills with zeros (its default).
    private func isZeroFill(_ node: ONNXNode) -> Bool {
        switch node.attributes["value"] {
        case nil: true
        case .tensor(.float(let tensor))?: tensor.scalars.allSatisfy { $0 == 0 }
        case .tensor(.integer(_, let values, _))?: values.allSatisfy { $0 == 0 }
        default: false
        }
    }

    /// The integers a node takes as a constant input (opset 13 and later) or, before, as an attribute.
    private func integers(
        _ node: ONNXNode, input position: Int, attribute: String?, failure: (String) -> FormatError
    ) throws -> [Int64] {
        if position < node.inputs.count, !node.inputs[position].isEmpty {
            guard case .integer(_, let values, _)? = constants[node.inputs[position]] else {
                throw failure("reads '\(node.inputs[position])', which is not a constant; expected constant integers")
            }
            return values
        }
        if let attribute, case .ints(let values)? = node.attributes[attribute] { return values }
        throw failure("has no constant \(attribute ?? "shape"); expected one")
    }

    /// A matrix's transpose: MatMul's (D·H, C) weight as nn.Linear's (C, D·H).
    private static func transposed(_ matrix: Tensor) -> Tensor {
        let (rows, columns) = (matrix.shape[0], matrix.shape[1])
        var scalars = [Float](repeating: 0, count: matrix.count)
        for row in 0..<rows {
            for column in 0..<columns { scalars[column * rows + row] = matrix.scalars[row * columns + column] }
        }
        return Tensor(shape: [columns, rows], scalars: scalars)
    }

    /// `index` in 0..<count, counting negative ones from the end; nil when out of range.
    private func normalized(_ index: Int64, count: Int) -> Int? {
        let value = index < 0 ? Int(index) + count : Int(index)
        return (0..<count).contains(value) ? value : nil
    }
}
