import GRUNetworks

/// The sizes of a GRU encoder-decoder (`EncoderDecoderModel`): the encoder's stack (embedding,
/// layers, directions) and the vocabularies on both sides; the decoder is one GRU layer of the
/// encoder's hidden size. Also the regularizers training applies, which mean what
/// `ModelConfiguration`'s do: zoneout changes inference too (its expectation), the others only
/// training passes.
///
/// Legend: Vs, Vt the source and target vocabularies, E the embedding size (both sides, the
/// source's only with tokens), F the source's feature count (a source of feature vectors), H
/// the hidden size, L the encoder's layers, D its directions.
public struct EncoderDecoderConfiguration: Equatable, Hashable, Codable, Sendable {
    /// Vs; unused (0) with a source of feature vectors.
    public var sourceVocabularySize: Int
    /// F: the encoder reads F values a source step as they are (speech-like feature frames),
    /// with no source embedding; 0 for a source of token ids, embedded.
    public var sourceFeatureCount: Int = 0
    /// Vt.
    public var targetVocabularySize: Int
    /// E.
    public var embeddingSize: Int
    /// H, the encoder's and the decoder's.
    public var hiddenSize: Int
    /// L.
    public var encoderLayers: Int
    /// Whether the encoder reads both ways (D = 2).
    public var bidirectional: Bool
    /// How the decoder sees the source: the one context vector (Cho et al.), or attention over
    /// the encoder's outputs at every step, additive (Bahdanau et al.) or multiplicative
    /// (Luong et al.).
    public var attention: Attention
    /// Dropout on the source and the target embeddings (or the source's feature vectors), a
    /// mask per step; the dropped target embedding feeds both the decoder and the head.
    public var inputDropout: Float = 0
    /// Dropout between the encoder's stacked layers (PyTorch's `nn.GRU(dropout:)`).
    public var layerDropout: Float = 0
    /// Variational dropout on the recurrent state of the encoder's and the decoder's GRUs
    /// (Keras's `recurrent_dropout`, one mask per sequence).
    public var recurrentDropout: Float = 0
    /// Dropout on the decoder's states s_t where they enter the head.
    public var outputDropout: Float = 0
    /// Zoneout on every GRU of the model, encoder and decoder; inference takes the expectation.
    public var zoneout: Float = 0
    /// Weight-drop (DropConnect on W_hh) on every GRU of the model, one mask per batch.
    public var weightDrop: Float = 0

    /// The decoder's view of the source.
    public enum Attention: String, Equatable, Hashable, Codable, Sendable, CaseIterable {
        /// c beside every input and in the head.
        case none
        /// The attention-weighted encoder outputs beside every input and in the head; c only
        /// starts the decoder (`AdditiveAttention`).
        case additive
        /// As `additive`, the scores s^T W o_j (`MultiplicativeAttention`).
        case multiplicative
    }

    /// A configuration; sizes must be positive.
    public init(
        sourceVocabularySize: Int, targetVocabularySize: Int, embeddingSize: Int, hiddenSize: Int,
        encoderLayers: Int = 1, bidirectional: Bool = false, attention: Attention = .none
    ) {
        self.attention = attention
        self.sourceVocabularySize = sourceVocabularySize
        self.targetVocabularySize = targetVocabularySize
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.encoderLayers = encoderLayers
        self.bidirectional = bidirectional
    }

    /// A configuration whose encoder reads `sourceFeatureCount` values a source step, with no
    /// source vocabulary or embedding.
    public init(
        sourceFeatureCount: Int, targetVocabularySize: Int, embeddingSize: Int, hiddenSize: Int,
        encoderLayers: Int = 1, bidirectional: Bool = false, attention: Attention = .none
    ) {
        self.attention = attention
        self.sourceVocabularySize = 0
        self.sourceFeatureCount = sourceFeatureCount
        self.targetVocabularySize = targetVocabularySize
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.encoderLayers = encoderLayers
        self.bidirectional = bidirectional
    }

    /// Reads configurations saved before the regularizers and feature sources existed as
    /// unregularized, with token sources.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sourceVocabularySize = try container.decode(Int.self, forKey: .sourceVocabularySize)
        sourceFeatureCount = try container.decodeIfPresent(Int.self, forKey: .sourceFeatureCount) ?? 0
        targetVocabularySize = try container.decode(Int.self, forKey: .targetVocabularySize)
        embeddingSize = try container.decode(Int.self, forKey: .embeddingSize)
        hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
        encoderLayers = try container.decode(Int.self, forKey: .encoderLayers)
        bidirectional = try container.decode(Bool.self, forKey: .bidirectional)
        attention = try container.decode(Attention.self, forKey: .attention)
        inputDropout = try container.decodeIfPresent(Float.self, forKey: .inputDropout) ?? 0
        layerDropout = try container.decodeIfPresent(Float.self, forKey: .layerDropout) ?? 0
        recurrentDropout = try container.decodeIfPresent(Float.self, forKey: .recurrentDropout) ?? 0
        outputDropout = try container.decodeIfPresent(Float.self, forKey: .outputDropout) ?? 0
        zoneout = try container.decodeIfPresent(Float.self, forKey: .zoneout) ?? 0
        weightDrop = try container.decodeIfPresent(Float.self, forKey: .weightDrop) ?? 0
    }

    /// D.
    public var directionCount: Int { bidirectional ? 2 : 1 }

    /// Whether the source is feature vectors rather than token ids.
    public var readsFeatures: Bool { sourceFeatureCount > 0 }

    /// Whether a training pass draws any mask.
    var isRegularized: Bool {
        [inputDropout, layerDropout, recurrentDropout, outputDropout, zoneout, weightDrop].contains { $0 > 0 }
    }

    /// - Throws: `GRUInputError` naming the first size that is not positive (the source
    ///   vocabulary's only with token sources), a negative feature count, or the first
    ///   regularizer rate outside [0, 1).
    public func validate() throws {
        guard sourceFeatureCount >= 0 else {
            throw GRUInputError(
                .setting("source feature count"), found: "\(sourceFeatureCount)", expected: "0 (tokens) or more")
        }
        let sizes = [
            ("source vocabulary", readsFeatures ? 1 : sourceVocabularySize),
            ("target vocabulary", targetVocabularySize),
            ("embedding size", embeddingSize), ("hidden size", hiddenSize), ("encoder layers", encoderLayers),
        ]
        for (name, size) in sizes where size < 1 {
            throw GRUInputError(.setting(name), found: "\(size)", expected: "a positive size")
        }
        let rates = [
            ("input dropout", inputDropout), ("layer dropout", layerDropout), ("recurrent dropout", recurrentDropout),
            ("output dropout", outputDropout), ("zoneout", zoneout), ("weight-drop", weightDrop),
        ]
        for (name, rate) in rates where !(0..<1).contains(rate) {
            throw GRUInputError(.setting(name), found: "\(rate)", expected: "a rate in [0, 1)")
        }
    }

    /// The encoder: a GRU stack over the source embeddings, or the feature vectors.
    var encoder: GRUConfiguration {
        GRUConfiguration(
            inputSize: readsFeatures ? sourceFeatureCount : embeddingSize, hiddenSize: hiddenSize,
            layerCount: encoderLayers, isBidirectional: bidirectional)
    }

    /// The width of what the decoder reads beside each token, c (H) or the weighted encoder
    /// outputs (D*H).
    var sourceViewWidth: Int { attention == .none ? hiddenSize : directionCount * hiddenSize }

    /// The decoder: one GRU layer over [target embedding; context or weighted outputs].
    var decoder: GRUConfiguration {
        GRUConfiguration(inputSize: embeddingSize + sourceViewWidth, hiddenSize: hiddenSize)
    }
}
