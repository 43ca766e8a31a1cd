import GRUNetworks

/// The sizes of a GRU encoder-decoder (`EncoderDecoderModel`): the encoder's stack (embedding,
/// layers, directions) and the vocabularies on both sides; the decoder is one GRU layer of the
/// encoder's hidden size.
///
/// Legend: Vs, Vt the source and target vocabularies, E the embedding size (both sides), H the
/// hidden size, L the encoder's layers, D its directions.
public struct EncoderDecoderConfiguration: Equatable, Hashable, Codable, Sendable {
    /// Vs.
    public var sourceVocabularySize: Int
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

    /// D.
    public var directionCount: Int { bidirectional ? 2 : 1 }

    /// - Throws: `GRUInputError` naming the first size that is not positive.
    public func validate() throws {
        let sizes = [
            ("source vocabulary", sourceVocabularySize), ("target vocabulary", targetVocabularySize),
            ("embedding size", embeddingSize), ("hidden size", hiddenSize), ("encoder layers", encoderLayers),
        ]
        for (name, size) in sizes where size < 1 {
            throw GRUInputError(.setting(name), found: "\(size)", expected: "a positive size")
        }
    }

    /// The encoder: a GRU stack over the source embeddings.
    var encoder: GRUConfiguration {
        GRUConfiguration(
            inputSize: embeddingSize, hiddenSize: hiddenSize, layerCount: encoderLayers, isBidirectional: bidirectional)
    }

    /// The width of what the decoder reads beside each token, c (H) or the weighted encoder
    /// outputs (D*H).
    var sourceViewWidth: Int { attention == .none ? hiddenSize : directionCount * hiddenSize }

    /// The decoder: one GRU layer over [target embedding; context or weighted outputs].
    var decoder: GRUConfiguration {
        GRUConfiguration(inputSize: embeddingSize + sourceViewWidth, hiddenSize: hiddenSize)
    }
}
