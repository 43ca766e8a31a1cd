import GRUNetworks
import GRUTensor

/// The GRU encoder-decoder of Cho et al. 2014 ("Learning Phrase Representations using RNN
/// Encoder-Decoder for Statistical Machine Translation"), as PyTorch users write it (the
/// decoder's GRU reads the context beside each token):
///
///     encoder  h = GRU stack over source_embedding(x) (or x itself, feature vectors), lengths packed
///     context  c = tanh(context(cat of the last layer's final states, forward then backward))
///     decoder  s_0 = c;  s_t = GRU(cat(target_embedding(y_{t-1}), c), s_{t-1})
///     output   logits_t = head(cat(target_embedding(y_{t-1}), s_t, c))
///
/// so c enters the decoder's initial state, every step's gates and candidate, and the output
/// layer. With attention, additive (Bahdanau et al. 2014, `AdditiveAttention`) or
/// multiplicative (Luong et al. 2015, `MultiplicativeAttention`), the weighted encoder outputs
/// a_t . o take c's place beside each input and in the head, and c only starts the decoder.
/// Training passes apply the configuration's regularizers (`EncoderDecoderDropout`). All
/// parameters live in one flat buffer, named as a PyTorch module with submodules
/// `source_embedding`, `encoder` (nn.GRU), `context` (nn.Linear), `attention` (nn.Linear, with
/// attention) and `attention_v` (nn.Linear, additive only), `target_embedding`, `decoder`
/// (nn.GRU) and `head` (nn.Linear); a source of feature vectors has no `source_embedding`.
///
/// Legend: B batch, S source steps, T target steps, E embedding size, H hidden size, D
/// encoder directions, Vs and Vt the vocabularies.
public struct EncoderDecoderModel: Sendable {
    /// The sizes.
    public let configuration: EncoderDecoderConfiguration
    /// Every parameter, in the order of `namedTensors`.
    public var parameters: [Float]

    /// nil with a source of feature vectors.
    let sourceEmbedding: Embedding?
    let encoder: GRULayer
    let context: Linear
    /// `attention` (H + D*H -> H) and `attention_v` (H -> 1, no bias) with additive attention,
    /// `attention` (D*H -> H, no bias) alone with multiplicative; nil without attention.
    let attentionLayers: (attention: Linear, vector: Linear?)?
    let targetEmbedding: Embedding
    let decoder: GRULayer
    let head: Linear
    /// Each part's range in `parameters`, in the order above.
    let ranges: [Range<Int>]

    /// A freshly initialized model (PyTorch's initialization of each part); the same seed
    /// gives the same parameters.
    public init(configuration: EncoderDecoderConfiguration, seed: UInt64) throws {
        try configuration.validate()
        self.configuration = configuration
        let e = configuration.embeddingSize, h = configuration.hiddenSize
        sourceEmbedding =
            configuration.readsFeatures
            ? nil : Embedding(vocabularySize: configuration.sourceVocabularySize, dimension: e)
        encoder = GRULayer(configuration.encoder, zoneout: configuration.zoneout)
        context = Linear(inputSize: configuration.directionCount * h, outputSize: h)
        let m = configuration.directionCount * h
        switch configuration.attention {
        case .none: attentionLayers = nil
        case .additive:
            attentionLayers = (
                Linear(inputSize: h + m, outputSize: h), Linear(inputSize: h, outputSize: 1, hasBias: false)
            )
        case .multiplicative: attentionLayers = (Linear(inputSize: m, outputSize: h, hasBias: false), nil)
        }
        targetEmbedding = Embedding(vocabularySize: configuration.targetVocabularySize, dimension: e)
        decoder = GRULayer(configuration.decoder, zoneout: configuration.zoneout)
        head = Linear(inputSize: e + h + configuration.sourceViewWidth, outputSize: configuration.targetVocabularySize)
        let counts = [
            sourceEmbedding?.parameterCount ?? 0, encoder.layout.count, context.parameterCount,
            attentionLayers?.attention.parameterCount ?? 0, attentionLayers?.vector?.parameterCount ?? 0,
            targetEmbedding.parameterCount, decoder.layout.count, head.parameterCount,
        ]
        var start = 0
        ranges = counts.map { count in
            defer { start += count }
            return start..<(start + count)
        }
        parameters = [Float](repeating: 0, count: start)
        var generator = SeededGenerator(seed: seed)
        parameters.withUnsafeMutableBufferPointer { buffer in
            func slice(_ part: Part) -> UnsafeMutableBufferPointer<Float> {
                UnsafeMutableBufferPointer(rebasing: buffer[ranges[part.rawValue]])
            }
            sourceEmbedding?.initialize(slice(.sourceEmbedding), using: &generator, as: .pytorch)
            encoder.initialize(slice(.encoder), using: &generator, as: .pytorch)
            context.initialize(slice(.context), using: &generator, as: .pytorch)
            if let attentionLayers {
                attentionLayers.attention.initialize(slice(.attention), using: &generator, as: .pytorch)
                attentionLayers.vector?.initialize(slice(.attentionVector), using: &generator, as: .pytorch)
            }
            targetEmbedding.initialize(slice(.targetEmbedding), using: &generator, as: .pytorch)
            decoder.initialize(slice(.decoder), using: &generator, as: .pytorch)
            head.initialize(slice(.head), using: &generator, as: .pytorch)
        }
    }

    /// The parts, in the order of the buffer.
    enum Part: Int, CaseIterable {
        case sourceEmbedding, encoder, context, attention, attentionVector, targetEmbedding, decoder, head

        var moduleName: String {
            switch self {
            case .sourceEmbedding: "source_embedding"
            case .encoder: "encoder"
            case .context: "context"
            case .attention: "attention"
            case .attentionVector: "attention_v"
            case .targetEmbedding: "target_embedding"
            case .decoder: "decoder"
            case .head: "head"
            }
        }
    }

    private func slots(of part: Part) -> [LayerParameterSlot] {
        switch part {
        case .sourceEmbedding: sourceEmbedding?.parameterSlots ?? []
        case .encoder: encoder.parameterSlots
        case .context: context.parameterSlots
        case .attention: attentionLayers?.attention.parameterSlots ?? []
        case .attentionVector: attentionLayers?.vector?.parameterSlots ?? []
        case .targetEmbedding: targetEmbedding.parameterSlots
        case .decoder: decoder.parameterSlots
        case .head: head.parameterSlots
        }
    }

    /// Every parameter tensor under its PyTorch name (`encoder.weight_ih_l0`, `head.bias`),
    /// in buffer order.
    public var namedTensors: [(name: String, tensor: Tensor)] {
        Part.allCases.flatMap { part in
            slots(of: part).map { slot in
                let start = ranges[part.rawValue].lowerBound + slot.offset
                return (
                    "\(part.moduleName).\(slot.name)",
                    Tensor(shape: slot.shape, scalars: Array(parameters[start..<(start + slot.count)]))
                )
            }
        }
    }

    /// A model with the parameters of `namedTensors`, which must hold exactly the model's
    /// tensors with their shapes.
    ///
    /// - Throws: `GRUInputError` naming a missing, extra or misshapen tensor.
    public init(configuration: EncoderDecoderConfiguration, namedTensors: [String: Tensor]) throws {
        self = try EncoderDecoderModel(configuration: configuration, seed: 0)
        parameters = try InputChecks.flatParameters(self.namedTensors, from: namedTensors)
    }

    /// The attention of this model's kind and sizes; nil without attention.
    var decoderAttention: (any DecoderAttention)? {
        let h = configuration.hiddenSize, m = configuration.directionCount * h
        switch configuration.attention {
        case .none: return nil
        case .additive: return AdditiveAttention(hidden: h, memoryWidth: m)
        case .multiplicative: return MultiplicativeAttention(hidden: h, memoryWidth: m)
        }
    }

    /// The part's slice of a buffer laid out as `parameters`.
    func slice(_ part: Part, of buffer: UnsafeBufferPointer<Float>) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: buffer[ranges[part.rawValue]])
    }

    func slice(_ part: Part, of buffer: UnsafeMutableBufferPointer<Float>) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(rebasing: buffer[ranges[part.rawValue]])
    }
}
