import GRUNetworks
import GRUTensor

/// A GRU sequence model for one of the four tasks, with all parameters in one flat buffer:
///
///     tokens -> Embedding --+
///                           +-> Dropout -> GRU -> (pooling | every step) -> Dropout -> Linear head
///     features -------------+
///
/// classify and forecast pool each sequence (last state or mean over valid steps) and predict
/// once per sequence; tag and language-model predict at every step. Tensor names in files are
/// those of a PyTorch module with submodules `embedding`, `gru` and `head`, such as
/// `gru.weight_ih_l0` and `head.bias`.
///
/// Legend: T steps, B batch, F features, E embedding size, H hidden size, D directions,
/// C head outputs.
public struct SequenceModel: Sendable {
    /// What the model is.
    public let configuration: ModelConfiguration
    /// Every parameter: embedding, then GRU, then head.
    public var parameters: [Float]

    let embedding: Embedding?
    let gru: GRULayer
    let head: Linear
    let embeddingRange: Range<Int>
    let gruRange: Range<Int>
    let headRange: Range<Int>

    /// A freshly initialized model; the same seed gives the same parameters.
    public init(configuration: ModelConfiguration, seed: UInt64) throws {
        try configuration.validate()
        self.configuration = configuration
        embedding = configuration.vocabularySize.map {
            Embedding(vocabularySize: $0, dimension: configuration.embeddingSize ?? 0, paddingIndex: 0)
        }
        gru = GRULayer(configuration.gru)
        head = Linear(
            inputSize: configuration.hiddenSize * (configuration.bidirectional ? 2 : 1),
            outputSize: configuration.outputSize)
        let embeddingCount = embedding?.parameterCount ?? 0
        embeddingRange = 0..<embeddingCount
        gruRange = embeddingCount..<(embeddingCount + gru.layout.count)
        headRange = gruRange.upperBound..<(gruRange.upperBound + head.parameterCount)
        parameters = [Float](repeating: 0, count: headRange.upperBound)

        var generator = SeededGenerator(seed: seed)
        // The GRU draws from a generator of its own, seeded first, as `GRU(seed:)` does.
        var gruGenerator = SeededGenerator(seed: generator.next())
        let (embedding, gru, head) = (embedding, gru, head)
        let (embeddingRange, gruRange, headRange) = (embeddingRange, gruRange, headRange)
        parameters.withUnsafeMutableBufferPointer { buffer in
            gru.initialize(
                UnsafeMutableBufferPointer(rebasing: buffer[gruRange]),
                using: &gruGenerator, as: configuration.initialization)
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
        add("gru", gru.parameterSlots, base: gruRange.lowerBound)
        add("head", head.parameterSlots, base: headRange.lowerBound)
        return result
    }

    /// A model with the given configuration and the parameters of `namedTensors`, which must
    /// hold exactly the model's tensors with their shapes.
    ///
    /// - Throws: `GRUInputError` naming a missing, extra or misshapen tensor.
    public init(configuration: ModelConfiguration, namedTensors: [String: Tensor]) throws {
        self = try SequenceModel(configuration: configuration, seed: 0)
        let expected = self.namedTensors
        var offset = 0
        for (name, tensor) in expected {
            let loaded = try InputChecks.namedTensor(name, of: namedTensors, shape: tensor.shape)
            parameters.replaceSubrange(offset..<(offset + loaded.count), with: loaded.scalars)
            offset += loaded.count
        }
        try InputChecks.expectNoOtherTensors(namedTensors.keys, expected: Set(expected.map(\.name)))
    }

    // MARK: - Forward

    /// Runs the model on a batch.
    ///
    /// - Parameters:
    ///   - batch: time-major padded inputs with lengths.
    ///   - dropoutSeed: the seed of this pass's dropout masks when training; nil for inference
    ///     (no dropout).
    ///   - initialState: the GRU's initial state (L*D, B, H), for carrying state across chunks
    ///     of a stream; zeros when nil.
    /// - Returns: the head's output, (B, C) per sequence or (T*B, C) per step, time-major rows,
    ///   and what backward needs.
    public func forward(
        _ batch: SequenceBatch, dropoutSeed: UInt64? = nil, initialState: Tensor? = nil
    ) throws -> SequenceModelForward {
        let config = configuration
        var generator = SeededGenerator(seed: dropoutSeed ?? 0)
        let isTraining = dropoutSeed != nil
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
                input, isTraining: isTraining, using: &generator)
            let gruDropout =
                isTraining
                ? GRUDropout(
                    betweenLayers: config.layerDropout, recurrent: config.recurrentDropout, seed: generator.next())
                : nil
            let gruResult = try gru.forward(
                inputDropout.output, initialState: initialState, lengths: batch.lengths,
                weights: UnsafeBufferPointer(rebasing: buffer[gruRange]), dropout: gruDropout)
            var pooling: SequencePooling.ForwardResult?
            let features: Tensor
            if config.predictsEveryStep {
                features = gruResult.output.reshaped(to: [batch.steps * batch.batchSize, head.inputSize])
            } else {
                pooling = try SequencePooling(config.pooling, directionCount: config.bidirectional ? 2 : 1)
                    .forward(gruResult.output, lengths: batch.lengths)
                features = pooling!.output
            }
            let outputDropout = Dropout(rate: config.outputDropout).forward(
                features, isTraining: isTraining, using: &generator)
            let headResult = head.forward(
                outputDropout.output, weights: UnsafeBufferPointer(rebasing: buffer[headRange]))
            return SequenceModelForward(
                embedding: embeddingResult, inputDropout: inputDropout, gru: gruResult, pooling: pooling,
                outputDropout: outputDropout, head: headResult)
        }
    }

    // MARK: - Backward

    /// Backpropagates the gradient of the head's output, accumulating into `gradients` (the
    /// flat buffer's shape).
    public func backward(
        _ pass: SequenceModelForward, outputGradient: Tensor, into gradients: inout [Float]
    ) throws {
        precondition(
            gradients.count == parameters.count,
            "gradient buffer has \(gradients.count) values, model \(parameters.count)")
        try parameters.withUnsafeBufferPointer { buffer in
            try gradients.withUnsafeMutableBufferPointer { gradientBuffer in
                let headGradient = head.backward(
                    pass.head, outputGradient: outputGradient,
                    weights: UnsafeBufferPointer(rebasing: buffer[headRange]),
                    gradients: UnsafeMutableBufferPointer(rebasing: gradientBuffer[headRange]))
                let featureGradient = Dropout(rate: configuration.outputDropout).backward(
                    pass.outputDropout, outputGradient: headGradient)
                let gruOutputGradient: Tensor
                if let pooling = pass.pooling {
                    gruOutputGradient = SequencePooling(
                        configuration.pooling, directionCount: configuration.bidirectional ? 2 : 1
                    )
                    .backward(pooling, outputGradient: featureGradient)
                } else {
                    gruOutputGradient = featureGradient.reshaped(to: pass.gru.output.shape)
                }
                let stateGradients = try gru.backward(
                    pass.gru, outputGradient: gruOutputGradient,
                    weights: UnsafeBufferPointer(rebasing: buffer[gruRange]),
                    gradients: UnsafeMutableBufferPointer(rebasing: gradientBuffer[gruRange]))
                let inputGradient = Dropout(rate: configuration.inputDropout).backward(
                    pass.inputDropout, outputGradient: stateGradients.input)
                if let embedding, let embeddingResult = pass.embedding {
                    embedding.backward(
                        embeddingResult, outputGradient: inputGradient,
                        gradients: UnsafeMutableBufferPointer(rebasing: gradientBuffer[embeddingRange]))
                }
            }
        }
    }
}

/// What `SequenceModel.forward` returns: the output and every layer's cache.
public struct SequenceModelForward: Sendable {
    let embedding: Embedding.ForwardResult?
    let inputDropout: Dropout.ForwardResult
    let gru: RecurrentForwardResult
    let pooling: SequencePooling.ForwardResult?
    let outputDropout: Dropout.ForwardResult
    let head: Linear.ForwardResult

    /// The head's output: (B, C) per sequence, or (T*B, C) per step in time-major rows.
    public var output: Tensor { head.output }

    /// The GRU's final states (L*D, B, H), for carrying state to the next chunk of a stream.
    public var finalState: Tensor { gru.finalState }
}
