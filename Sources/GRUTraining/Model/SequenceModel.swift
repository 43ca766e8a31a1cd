import GRUNetworks
import GRUTensor

/// A recurrent sequence model for one of the four tasks, with all parameters in one flat buffer:
///
///     tokens -> Embedding --+
///                           +-> Dropout -> recurrent stack -> (pooling | every step) -> Dropout -> Linear head
///     features -------------+
///
/// classify and forecast pool each sequence (last state or mean over valid steps) and predict
/// once per sequence; tag and language-model predict at every step. Tensor names in files are
/// those of a PyTorch module with submodules `embedding`, the stack (`gru`, `lstm`, `rnn` or
/// `layer_norm_gru`, after the cell: `RecurrentCellKind.moduleName`) and `head`, such as
/// `gru.weight_ih_l0` and `head.bias`; a learned initial state is the stack's
/// `initial_hidden_state` (and the LSTM's `initial_cell_state`), (L*D, H).
///
/// Legend: T steps, B batch, F features, E embedding size, H hidden size, D directions,
/// C head outputs.
public struct SequenceModel: Sendable {
    /// What the model is.
    public let configuration: ModelConfiguration
    /// Every parameter: embedding, then the recurrent stack, its learned initial state, the head.
    public var parameters: [Float]

    let embedding: Embedding?
    let recurrence: ModelRecurrence
    let head: Linear
    let embeddingRange: Range<Int>
    let recurrenceRange: Range<Int>
    /// The learned initial state, h's (L*D, H) then c's for an LSTM; empty when not learned.
    let initialStateRange: Range<Int>
    let headRange: Range<Int>
    /// The recurrent stack at bf16 or int8 for inference; nil in float32.
    private var lowPrecision: LowPrecisionRecurrence?

    /// The precision of the recurrent weights that inference passes (no dropout seed) read.
    public var inferencePrecision: InferencePrecision { lowPrecision?.precision ?? .float32 }

    /// Bytes of the recurrent stack's weight matrices (W_ih and W_hh, every layer and
    /// direction) that inference reads: 4 a weight in float32, fewer at `inferencePrecision`.
    public var recurrentWeightBytes: Int {
        if let lowPrecision { return lowPrecision.weightBytes }
        return recurrence.parameterSlots.filter { $0.name.hasPrefix("weight_") }.reduce(0) { $0 + 4 * $1.count }
    }

    /// The same model whose inference passes run the GRU stack's weights at `precision`
    /// (`GRUInferenceSession`), rounded or quantized now, once. Training passes and backward
    /// stay float32. Changing `parameters` afterwards does not reach the quantized copy. A model
    /// already at `precision` is returned as it is.
    ///
    /// - Parameter int8Weights: at int8, stack weights already quantized (a quantized model
    ///   file's), by their names in the model's files (`gru.weight_ih_l0`), used as they are.
    /// - Throws: `GRUInputError` for a cell other than the GRU, or activations other than
    ///   tanh and sigmoid, at bf16 or int8.
    public func atPrecision(_ precision: InferencePrecision, int8Weights: [String: Int8Rows] = [:]) throws
        -> SequenceModel
    {
        // A model already at `precision` keeps its copy: a quantized file's int8 weights as stored.
        if precision == inferencePrecision, int8Weights.isEmpty { return self }
        var model = self
        guard precision != .float32 else {
            model.lowPrecision = nil
            return model
        }
        guard configuration.cell == .gru, configuration.gru.hasDefaultActivations else {
            let found =
                configuration.cell == .gru
                ? "activation \(configuration.activation.rawValue), recurrent activation \(configuration.recurrentActivation.rawValue)"
                : "a model of cell \(configuration.cell.rawValue)"
            throw GRUInputError(
                .setting("--precision \(precision.rawValue)"), found: found,
                expected: "a GRU with tanh and sigmoid (PyTorch's), or --precision float32")
        }
        let prefix = configuration.cell.moduleName + "."
        let stackWeights = Dictionary(
            uniqueKeysWithValues: int8Weights.compactMap { name, rows in
                name.hasPrefix(prefix) ? (String(name.dropFirst(prefix.count)), rows) : nil
            })
        model.lowPrecision = LowPrecisionRecurrence(
            configuration: configuration.gru, weights: parameters[recurrenceRange], precision: precision,
            int8Weights: stackWeights)
        return model
    }

    /// A freshly initialized model; the same seed gives the same parameters.
    public init(configuration: ModelConfiguration, seed: UInt64) throws {
        try configuration.validate()
        self.configuration = configuration
        embedding = configuration.vocabularySize.map {
            Embedding(vocabularySize: $0, dimension: configuration.embeddingSize ?? 0, paddingIndex: 0)
        }
        recurrence = ModelRecurrence(configuration)
        head = Linear(
            inputSize: configuration.hiddenSize * (configuration.bidirectional ? 2 : 1),
            outputSize: configuration.outputSize)
        let embeddingCount = embedding?.parameterCount ?? 0
        embeddingRange = 0..<embeddingCount
        recurrenceRange = embeddingCount..<(embeddingCount + recurrence.parameterCount)
        let stateCount =
            configuration.trainableInitialState
            ? (recurrence.carriesCellState ? 2 : 1) * configuration.gru.stateCount * configuration.hiddenSize : 0
        initialStateRange = recurrenceRange.upperBound..<(recurrenceRange.upperBound + stateCount)
        headRange = initialStateRange.upperBound..<(initialStateRange.upperBound + head.parameterCount)
        parameters = [Float](repeating: 0, count: headRange.upperBound)

        var generator = SeededGenerator(seed: seed)
        // The stack draws from a generator of its own, seeded first, as `GRU(seed:)` does; a
        // learned initial state starts at zeros, the state it replaces.
        var recurrenceGenerator = SeededGenerator(seed: generator.next())
        let (embedding, recurrence, head) = (embedding, recurrence, head)
        let (embeddingRange, recurrenceRange, headRange) = (embeddingRange, recurrenceRange, headRange)
        parameters.withUnsafeMutableBufferPointer { buffer in
            recurrence.initialize(
                UnsafeMutableBufferPointer(rebasing: buffer[recurrenceRange]),
                using: &recurrenceGenerator, as: configuration.initialization)
            if let embedding {
                embedding.initialize(
                    UnsafeMutableBufferPointer(rebasing: buffer[embeddingRange]),
                    using: &generator, as: configuration.initialization)
            }
            head.initialize(
                UnsafeMutableBufferPointer(rebasing: buffer[headRange]),
                using: &generator, as: configuration.initialization)
        }
    }

    // MARK: - Named tensors

    /// The parameters as (name, tensor) pairs, in buffer order.
    public var namedTensors: [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = []
        func add(_ prefix: String, _ slots: [LayerParameterSlot], base: Int) {
            for slot in slots {
                let start = base + slot.offset
                result.append(
                    (
                        "\(prefix).\(slot.name)",
                        Tensor(shape: slot.shape, scalars: Array(parameters[start..<(start + slot.count)]))
                    ))
            }
        }
        if let embedding { add("embedding", embedding.parameterSlots, base: embeddingRange.lowerBound) }
        let module = configuration.cell.moduleName
        add(module, recurrence.parameterSlots, base: recurrenceRange.lowerBound)
        add(module, initialStateSlots, base: initialStateRange.lowerBound)
        add("head", head.parameterSlots, base: headRange.lowerBound)
        return result
    }

    /// A model with the given configuration and the parameters of `namedTensors`, which must
    /// hold exactly the model's tensors with their shapes.
    ///
    /// - Throws: `GRUInputError` naming a missing, extra or misshapen tensor.
    public init(configuration: ModelConfiguration, namedTensors: [String: Tensor]) throws {
        self = try SequenceModel(configuration: configuration, seed: 0)
        parameters = try InputChecks.flatParameters(self.namedTensors, from: namedTensors)
    }

    // MARK: - Learned initial state

    /// The learned initial state's tensors, (L*D, H) each: h's, then c's for an LSTM.
    private var initialStateSlots: [LayerParameterSlot] {
        guard configuration.trainableInitialState else { return [] }
        let shape = [configuration.gru.stateCount, configuration.hiddenSize]
        let count = shape[0] * shape[1]
        var slots = [LayerParameterSlot(name: "initial_hidden_state", shape: shape, offset: 0)]
        if recurrence.carriesCellState {
            slots.append(LayerParameterSlot(name: "initial_cell_state", shape: shape, offset: count))
        }
        return slots
    }

    /// The learned initial state broadcast over a batch, (L*D, B, H); nil when not learned.
    private func learnedInitialState(batchSize: Int) -> RecurrentState? {
        guard configuration.trainableInitialState else { return nil }
        let states = configuration.gru.stateCount, hidden = configuration.hiddenSize
        func broadcast(_ first: Int) -> Tensor {
            var scalars = [Float](repeating: 0, count: states * batchSize * hidden)
            for state in 0..<states {
                let row = parameters[(first + state * hidden)..<(first + (state + 1) * hidden)]
                for b in 0..<batchSize {
                    scalars.replaceSubrange(
                        ((state * batchSize + b) * hidden)..<((state * batchSize + b + 1) * hidden), with: row)
                }
            }
            return Tensor(shape: [states, batchSize, hidden], scalars: scalars)
        }
        let start = initialStateRange.lowerBound
        return RecurrentState(
            hidden: broadcast(start), cell: recurrence.carriesCellState ? broadcast(start + states * hidden) : nil)
    }

    /// Adds dL/d(initial state), (L*D, B, H), summed over the batch into the learned state's
    /// gradients, (L*D, H) each.
    private func addLearnedInitialStateGradient(
        _ gradient: RecurrentState, into gradients: UnsafeMutableBufferPointer<Float>
    ) {
        let hidden = configuration.hiddenSize, count = configuration.gru.stateCount * hidden
        for (index, tensor) in [gradient.hidden, gradient.cell].enumerated() {
            guard let tensor else { continue }
            let states = tensor.shape[0], batch = tensor.shape[1]
            tensor.scalars.withUnsafeBufferPointer { values in
                for state in 0..<states {
                    for b in 0..<batch {
                        for j in 0..<hidden {
                            gradients[index * count + state * hidden + j] += values[(state * batch + b) * hidden + j]
                        }
                    }
                }
            }
        }
    }

    // MARK: - Forward

    /// Runs the model on a batch.
    ///
    /// - Parameters:
    ///   - batch: time-major padded inputs with lengths.
    ///   - dropoutSeed: the seed of this pass's dropout masks when training; nil for inference
    ///     (no dropout).
    ///   - firstRow: the global batch row of this batch's row 0, when the batch is one
    ///     process's part of a larger one: each row's masks depend on its global row only
    ///     (`RowDropoutDraws`).
    ///   - initialState: the stack's initial state (L*D, B, H), for carrying state across
    ///     chunks of a stream; the learned initial state, or zeros, when nil.
    /// - Returns: the head's output, (B, C) per sequence or (T*B, C) per step, time-major rows,
    ///   and what backward needs.
    public func forward(
        _ batch: SequenceBatch, dropoutSeed: UInt64? = nil, firstRow: Int = 0, initialState: RecurrentState? = nil
    ) throws -> SequenceModelForward {
        let config = configuration
        var generator = SeededGenerator(seed: dropoutSeed ?? 0)
        let draws = RowDropoutDraws(seed: dropoutSeed ?? 0, firstRow: firstRow)
        let isTraining = dropoutSeed != nil
        /// A training pass's mask over a time-major (steps, B, width) tensor, nil when off.
        func rowMask(_ number: Int, rate: Float, steps: Int, over tensor: Tensor) -> [Float]? {
            guard isTraining, rate > 0, tensor.count > 0 else { return nil }
            return draws.dropoutMask(
                mask: number, rate: rate, steps: steps, batch: batch.batchSize,
                width: tensor.count / (steps * batch.batchSize))
        }
        return try parameters.withUnsafeBufferPointer { buffer in
            var embeddingResult: Embedding.ForwardResult?
            let input: Tensor
            switch batch.inputs {
            case .tokens(let ids):
                guard let embedding else {
                    throw GRUInputError(
                        .tensor("the batch"), found: "token ids", expected: "features, which the model reads")
                }
                embeddingResult = try embedding.forward(
                    ids, shape: [batch.steps, batch.batchSize],
                    weights: UnsafeBufferPointer(rebasing: buffer[embeddingRange]))
                input = embeddingResult!.output
            case .features(let features):
                guard embedding == nil else {
                    throw GRUInputError(
                        .tensor("the batch"), found: "features", expected: "token ids, which the model reads")
                }
                input = features
            }
            let inputDropout = Dropout(rate: config.inputDropout).forward(
                input, mask: rowMask(0, rate: config.inputDropout, steps: batch.steps, over: input))
            let recurrentDropout =
                isTraining
                ? GRUDropout(
                    betweenLayers: config.layerDropout, recurrent: config.recurrentDropout, zoneout: config.zoneout,
                    weightDrop: config.weightDrop, seed: generator.next(), firstRow: firstRow)
                : nil
            let learnedState = initialState == nil ? learnedInitialState(batchSize: batch.batchSize) : nil
            let recurrenceResult: RecurrentForwardResult?
            let recurrenceOutput: Tensor, finalState: RecurrentState
            if let lowPrecision, !isTraining {
                recurrenceResult = nil
                let result = try lowPrecision.run(
                    inputDropout.output, initialState: (initialState ?? learnedState)?.hidden, lengths: batch.lengths)
                (recurrenceOutput, finalState) = (result.output, RecurrentState(hidden: result.finalState))
            } else {
                let result = try recurrence.forward(
                    inputDropout.output, initialState: initialState ?? learnedState, lengths: batch.lengths,
                    weights: UnsafeBufferPointer(rebasing: buffer[recurrenceRange]), dropout: recurrentDropout)
                recurrenceResult = result
                (recurrenceOutput, finalState) = (result.output, recurrence.finalState(of: result))
            }
            var pooling: SequencePooling.ForwardResult?
            let features: Tensor
            if config.predictsEveryStep {
                features = recurrenceOutput.reshaped(to: [batch.steps * batch.batchSize, head.inputSize])
            } else {
                pooling = try SequencePooling(config.pooling, directionCount: config.bidirectional ? 2 : 1)
                    .forward(recurrenceOutput, lengths: batch.lengths)
                features = pooling!.output
            }
            let outputDropout = Dropout(rate: config.outputDropout).forward(
                features,
                mask: rowMask(
                    1, rate: config.outputDropout, steps: config.predictsEveryStep ? batch.steps : 1, over: features))
            let headResult = head.forward(
                outputDropout.output, weights: UnsafeBufferPointer(rebasing: buffer[headRange]))
            return SequenceModelForward(
                embedding: embeddingResult, inputDropout: inputDropout, recurrence: recurrenceResult,
                finalState: finalState, usesLearnedInitialState: learnedState != nil,
                pooling: pooling,
                outputDropout: outputDropout, head: headResult)
        }
    }

    // MARK: - Backward

    /// Backpropagates the gradient of the head's output, accumulating into `gradients` (the
    /// flat buffer's shape).
    ///
    /// - Returns: the gradient of the loss with respect to the stack's initial state (L*D, B, H),
    ///   the state given to `forward` or the learned or zero one it used.
    @discardableResult
    public func backward(
        _ pass: SequenceModelForward, outputGradient: Tensor, into gradients: inout [Float]
    ) throws -> RecurrentState {
        precondition(
            gradients.count == parameters.count,
            "gradient buffer has \(gradients.count) values, model \(parameters.count)")
        guard let recurrencePass = pass.recurrence else {
            throw GRUInputError(
                .setting("backward"), found: "a low-precision inference pass, which keeps no trace",
                expected: "a float32 pass (a model at inferencePrecision float32, or a training pass)")
        }
        return try parameters.withUnsafeBufferPointer { buffer in
            try gradients.withUnsafeMutableBufferPointer { gradientBuffer in
                let headGradient = head.backward(
                    pass.head, outputGradient: outputGradient,
                    weights: UnsafeBufferPointer(rebasing: buffer[headRange]),
                    gradients: UnsafeMutableBufferPointer(rebasing: gradientBuffer[headRange]))
                let featureGradient = Dropout(rate: configuration.outputDropout).backward(
                    pass.outputDropout, outputGradient: headGradient)
                let recurrenceOutputGradient: Tensor
                if let pooling = pass.pooling {
                    recurrenceOutputGradient = SequencePooling(
                        configuration.pooling, directionCount: configuration.bidirectional ? 2 : 1
                    )
                    .backward(pooling, outputGradient: featureGradient)
                } else {
                    recurrenceOutputGradient = featureGradient.reshaped(to: recurrencePass.output.shape)
                }
                let stateGradients = try recurrence.backward(
                    recurrencePass, outputGradient: recurrenceOutputGradient,
                    weights: UnsafeBufferPointer(rebasing: buffer[recurrenceRange]),
                    gradients: UnsafeMutableBufferPointer(rebasing: gradientBuffer[recurrenceRange]))
                if pass.usesLearnedInitialState {
                    addLearnedInitialStateGradient(
                        stateGradients.initialState,
                        into: UnsafeMutableBufferPointer(rebasing: gradientBuffer[initialStateRange]))
                }
                let inputGradient = Dropout(rate: configuration.inputDropout).backward(
                    pass.inputDropout, outputGradient: stateGradients.input)
                if let embedding, let embeddingResult = pass.embedding {
                    embedding.backward(
                        embeddingResult, outputGradient: inputGradient,
                        gradients: UnsafeMutableBufferPointer(rebasing: gradientBuffer[embeddingRange]))
                }
                return stateGradients.initialState
            }
        }
    }
}

/// What `SequenceModel.forward` returns: the output and every layer's cache.
public struct SequenceModelForward: Sendable {
    let embedding: Embedding.ForwardResult?
    let inputDropout: Dropout.ForwardResult
    /// The stack's pass with its trace; nil for a low-precision inference pass, which keeps none.
    let recurrence: RecurrentForwardResult?
    /// The stack's final states, for carrying state to the next chunk of a stream.
    public let finalState: RecurrentState
    let usesLearnedInitialState: Bool
    let pooling: SequencePooling.ForwardResult?
    let outputDropout: Dropout.ForwardResult
    let head: Linear.ForwardResult

    /// The head's output: (B, C) per sequence, or (T*B, C) per step in time-major rows.
    public var output: Tensor { head.output }
}
